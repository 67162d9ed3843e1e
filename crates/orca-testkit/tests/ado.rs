//! The Azure DevOps connector against its loopback fake: the conformance suite (the store's
//! answers, faults, timeouts, no user words in WIQL), and what only this connector does: ids
//! fetched in chunks of at most 200, the `max_items` bound said in the answer, a refused token
//! answered with a sign-in page, and values with quotes escaped in WIQL.

use std::sync::Arc;

use orca_connectors::ado::{AdoConfig, AdoConnector};
use orca_connectors::sources::SourceContext;
use orca_core::plan::StatusFilter;
use orca_core::shape::{GroupBy, Intent, Shape};
use orca_core::{Connector, ErrorKind, Query, SourceKey};
use orca_testkit::ado::AdoFake;
use orca_testkit::{Fixture, Subject, conformance};

/// A context as the suite asks: the fixture's registry and clock, the suite's timeout.
fn context(fixture: &Fixture) -> SourceContext {
    SourceContext {
        now: Some(Fixture::now()),
        timeout: Subject::TIMEOUT,
        ..SourceContext::for_test(SourceKey::Ado, fixture.customers())
    }
}

fn connector(fixture: &Fixture, fake: &AdoFake, edit: impl FnOnce(&mut AdoConfig)) -> AdoConnector {
    let mut config = AdoConfig::for_test(&fake.url(), fake.pat());
    edit(&mut config);
    config
        .connector(&context(fixture))
        .expect("the connector builds")
}

fn all_tenants() -> Query {
    let mut query = Query::new(SourceKey::Ado);
    query.all_tenants = true;
    query
}

#[tokio::test]
async fn the_connector_over_the_fake_passes_the_suite() {
    let fixture = Fixture::new();
    let fake = AdoFake::start(&fixture).await;
    let subject = Subject {
        name: "ado fake".into(),
        connectors: vec![Arc::new(connector(&fixture, &fake, |_| {}))],
        fake: Some(fake.switch()),
    };
    conformance::run(&subject, &fixture).await;
}
