//! The box-core conformance suite on the reference implementation.

use box_core::testing::run_conformance;
use box_core::MemoryStorage;

#[tokio::test]
async fn memory_storage_passes_conformance() {
    run_conformance(&MemoryStorage::new()).await;
}
