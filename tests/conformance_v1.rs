//! The box-core conformance suite through the v1 client against the
//! emulator, signed in through v1's ticket flow, in both request forms.

use box_core::testing::run_conformance;
use box_emulator::Emulator;
use box_v1::{Client, RequestForm};

async fn signed_in_client(emulator: &box_emulator::EmulatorHandle, form: RequestForm) -> Client {
    let client = Client::builder("boxkit-test-api-key")
        .api_base(emulator.base_url())
        .upload_base(emulator.base_url())
        .web_base(emulator.base_url())
        .request_form(form)
        .build()
        .expect("client builds");
    let ticket = client.get_ticket().await.expect("get_ticket");
    // The user visits the auth page and approves the ticket.
    let page = reqwest::get(client.auth_url(&ticket).as_str())
        .await
        .expect("auth page answers");
    assert!(page.status().is_success(), "auth page: {}", page.status());
    client
        .get_auth_token(&ticket)
        .await
        .expect("get_auth_token after approval");
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_client_passes_conformance_against_the_emulator_xml_form() {
    let emulator = Emulator::builder().start().await.expect("emulator starts");
    let client = signed_in_client(&emulator, RequestForm::Xml).await;
    run_conformance(&client).await;
    emulator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_client_passes_conformance_against_the_emulator_rest_form() {
    let emulator = Emulator::builder().start().await.expect("emulator starts");
    let client = signed_in_client(&emulator, RequestForm::Rest).await;
    run_conformance(&client).await;
    emulator.stop().await;
}
