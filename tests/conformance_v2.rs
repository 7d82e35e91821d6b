//! The box-core conformance suite through the v2 client against the emulator.

use box_core::testing::run_conformance;
use box_emulator::Emulator;
use box_v2::{auth::DeveloperToken, Client};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_client_passes_conformance_against_the_emulator() {
    let emulator = Emulator::builder().start().await.expect("emulator starts");
    let client = Client::builder()
        .base_url(&emulator.base_url())
        .auth(DeveloperToken::new(emulator.default_token()))
        .build()
        .expect("client builds");
    run_conformance(&client.storage()).await;
    emulator.stop().await;
}
