//! Client-side evaluation (`DataSet::evaluate`, what the Azure DevOps and MCP connectors use
//! because their sources cannot aggregate) passes the conformance suite over the fixture's rows.

use std::sync::Arc;

use orca_connectors::{DataSet, HealthThresholds};
use orca_core::{BoxFuture, Connector, ConnectorError, Query, QueryOutput, SourceKey};
use orca_testkit::{Fixture, Subject, conformance};

struct Evaluated {
    source: SourceKey,
    data: Arc<DataSet>,
}

impl Connector for Evaluated {
    fn source(&self) -> SourceKey {
        self.source
    }
    fn name(&self) -> &str {
        "dataset"
    }
    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        Box::pin(async move {
            self.data.evaluate(
                query,
                Fixture::now().timestamp(),
                &HealthThresholds::default(),
            )
        })
    }
}

#[tokio::test]
async fn client_side_evaluation_gives_the_store_answers() {
    let fixture = Fixture::new();
    let subject = Subject {
        name: "client-side evaluation".into(),
        connectors: SourceKey::ALL
            .into_iter()
            .map(|source| {
                Arc::new(Evaluated {
                    source,
                    data: fixture.data.clone(),
                }) as Arc<dyn Connector>
            })
            .collect(),
        fake: None,
    };
    conformance::run(&subject, &fixture).await;
}
