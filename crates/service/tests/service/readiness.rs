//! An instance is ready only while its database answers and its sign-up
//! joiner serves: a stopped joiner would leave every join unanswered.

use shouwang_db::testing::TestDb;
use shouwang_domain::{Clock, IdHasher};
use shouwang_service::Context;
use shouwang_service::registry::{NotReady, ready};

#[tokio::test]
async fn a_stopped_joiner_makes_the_instance_not_ready() {
    let t = TestDb::new().await;
    let mut ctx = Context::new(t.db.clone(), IdHasher::new(b"test key"), Clock::system());
    assert_eq!(ready(&ctx).await, Ok(()));

    // A joiner whose writer task is gone: started on a runtime that then shut down.
    let db = t.db.clone();
    let stopped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move { shouwang_db::signup::Joiner::start(db, shouwang_domain::Clock::system()) })
    })
    .join()
    .unwrap();
    ctx.joiner = stopped;
    assert_eq!(ready(&ctx).await, Err(NotReady::Joiner));
}
