//! The conformance suite against the embedded store itself: the store is the reference, so this
//! proves the suite's cases all run, and checks a few of the store's answers against the
//! fixture's rows counted here, independently of the code under test.

use orca_core::{Query, SourceKey};
use orca_testkit::{Fixture, Subject, conformance};

#[tokio::test]
async fn the_store_passes_the_suite() {
    let fixture = Fixture::new();
    let subject = Subject {
        name: "store".into(),
        connectors: SourceKey::ALL
            .into_iter()
            .map(|s| fixture.store_connector(s))
            .collect(),
        fake: None,
    };
    conformance::run(&subject, &fixture).await;
}

#[tokio::test]
async fn every_case_has_an_answer_and_ford_counts_match_the_rows() {
    let fixture = Fixture::new();
    let ford = fixture.tenant("Ford Motor Company");
    for source in SourceKey::ALL {
        let cases = conformance::cases(&fixture, source);
        assert!(cases.len() >= 4, "{source}: {} cases", cases.len());
    }
    let mut query = Query::new(SourceKey::Kusto);
    query.tenant_ids = vec![ford.clone()];
    let out = fixture
        .store_connector(SourceKey::Kusto)
        .run(&query)
        .await
        .unwrap();
    let total = fixture
        .data
        .cases
        .iter()
        .filter(|c| c.tenant_id == ford)
        .count();
    let open = fixture
        .data
        .cases
        .iter()
        .filter(|c| c.tenant_id == ford && matches!(c.status, "Active" | "Waiting"))
        .count();
    assert!(total > 0);
    assert_eq!(out.summary["total"], total as u64);
    assert_eq!(out.summary["open"], open as u64);
}
