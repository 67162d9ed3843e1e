//! The Azure DevOps connector against its loopback fake: the conformance suite (the store's
//! answers, faults, timeouts, no user words in WIQL), and what only this connector does: ids
//! fetched in chunks of at most 200, the `max_items` bound said in the answer, a refused token
//! answered with a sign-in page, and values with quotes escaped in WIQL.

use std::sync::Arc;

use orca_connectors::ado::{AdoConfig, AdoConnector, CONCURRENT_BATCHES};
use orca_connectors::sources::SourceContext;
use orca_connectors::{DataSet, HealthThresholds};
use orca_core::plan::StatusFilter;
use orca_core::shape::{GroupBy, Intent, Shape};
use orca_core::{Connector, ErrorKind, Query, QueryOutput, SourceKey};
use orca_testkit::ado::AdoFake;
use orca_testkit::{Fixture, Subject, conformance};
use std::time::Duration;

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

/// The fixture's work items four times over (ids moved by 10,000,000 per copy): more than 200.
fn four_times(fixture: &Fixture) -> DataSet {
    let mut data = (*fixture.data).clone();
    for copy in 1..4 {
        for item in &fixture.data.work_items {
            let mut item = item.clone();
            item.id += copy * 10_000_000;
            data.work_items.push(item);
        }
    }
    data
}

/// The store's semantics over `data` (the dataset suite proves them the store's).
fn reference(data: &DataSet, query: &Query) -> QueryOutput {
    data.evaluate(
        query,
        Fixture::now().timestamp(),
        &HealthThresholds::default(),
    )
    .expect("the reference answers")
}

#[tokio::test]
async fn ids_are_fetched_in_chunks_of_at_most_200() {
    let fixture = Fixture::new();
    let data = four_times(&fixture);
    let fake = AdoFake::serve(&data).await;
    let ado = connector(&fixture, &fake, |_| {});
    let n = data.work_items.len();
    assert!(n > 400, "only {n} work items");
    let (wiql_before, batch_before) = (fake.wiql_calls(), fake.batch_calls());

    let query = all_tenants();
    let got = ado.run(&query).await.expect("an answer");
    let chunks = n.div_ceil(200);
    assert_eq!(fake.wiql_calls() - wiql_before, 1);
    assert_eq!(fake.batch_calls() - batch_before, chunks, "{n} ids");
    assert_eq!(got.queries as usize, 1 + chunks);
    assert_eq!(got.summary["total"], n as u64);
    assert_eq!(
        conformance::difference(&reference(&data, &query), &got),
        None
    );
    assert!(!got.summary.contains_key("truncated"));
}

#[tokio::test]
async fn chunks_run_concurrently_four_at_most() {
    let fixture = Fixture::new();
    let mut data = four_times(&fixture);
    data.work_items
        .extend(four_times(&fixture).work_items.into_iter().map(|mut w| {
            w.id += 100_000_000;
            w
        }));
    let fake = AdoFake::serve(&data).await;
    let n = data.work_items.len();
    assert!(n.div_ceil(200) > CONCURRENT_BATCHES, "{n} ids");
    // Each answer waits, so calls made at once overlap in the fake.
    fake.set_batch_delay(Duration::from_millis(300));
    let ado = connector(&fixture, &fake, |_| {});
    let got = ado.run(&all_tenants()).await.expect("an answer");
    assert_eq!(got.summary["total"], n as u64);
    assert_eq!(fake.batch_calls(), n.div_ceil(200));
    assert_eq!(fake.most_batches_at_once(), CONCURRENT_BATCHES);
}

#[tokio::test]
async fn more_items_than_max_items_are_counted_up_to_the_bound_and_said_truncated() {
    let fixture = Fixture::new();
    let data = four_times(&fixture);
    let fake = AdoFake::serve(&data).await;
    let ado = connector(&fixture, &fake, |c| c.max_items = 250);
    let batch_before = fake.batch_calls();

    let got = ado.run(&all_tenants()).await.expect("an answer");
    assert_eq!(
        fake.batch_calls() - batch_before,
        2,
        "250 ids in chunks of 200"
    );
    assert_eq!(got.summary["truncated"], true);
    assert_eq!(got.summary["max_items"], 250);
    assert_eq!(got.summary["total"], 250);
    assert!(got.shaped.truncated);
    // The newest 250, as the store lists them.
    let mut newest: Vec<(i64, i64)> = data
        .work_items
        .iter()
        .map(|w| (w.created_at, w.id))
        .collect();
    newest.sort_by(|a, b| b.cmp(a));
    let expected: Vec<String> = newest[..250].iter().map(|(_, id)| id.to_string()).collect();
    assert_eq!(got.ids, expected);

    // A ranking over the bounded rows is still a ranking, and says it is bounded.
    let mut rank = all_tenants();
    rank.filters.status = Some(StatusFilter::Open);
    rank.shape = Shape {
        intent: Intent::Rank,
        group_by: Some(GroupBy::Customer),
        limit: Some(3),
        ..Shape::default()
    };
    let ranked = ado.run(&rank).await.expect("an answer");
    assert!(ranked.shaped.truncated);
    assert!(!ranked.shaped.ranking.is_empty());

    // Under the bound nothing is said, and the answer is the store's.
    let mut ford = Query::new(SourceKey::Ado);
    ford.tenant_ids = vec![fixture.tenant("Ford Motor Company")];
    let got = ado.run(&ford).await.expect("an answer");
    assert!(got.summary["total"].as_u64().unwrap() < 250);
    assert!(!got.summary.contains_key("truncated"));
    assert!(!got.shaped.truncated);
    assert_eq!(
        conformance::difference(&reference(&data, &ford), &got),
        None
    );
}

#[tokio::test]
async fn a_refused_token_gets_a_sign_in_page_which_is_an_auth_error() {
    let fixture = Fixture::new();
    let fake = AdoFake::start(&fixture).await;
    let wrong = connector(&fixture, &fake, |c| {
        c.pat_command = Some(vec!["echo".into(), "not-the-pat".into()])
    });
    let mut query = Query::new(SourceKey::Ado);
    query.tenant_ids = vec![fixture.tenant("Ford Motor Company")];
    let e = wrong.run(&query).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth, "{e}");
    assert!(e.message.contains("sign-in page"), "{e}");
    assert!(
        e.message
            .contains("check that `echo not-the-pat` holds a valid personal access token"),
        "{e}"
    );
    let e = wrong.check().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth, "{e}");

    let right = connector(&fixture, &fake, |_| {});
    let ok = right.check().await.expect("the check passes");
    assert!(ok.contains("contoso/Purview"), "{ok}");
}

#[tokio::test]
async fn the_check_says_which_setting_to_fix() {
    let fixture = Fixture::new();
    let fake = AdoFake::start(&fixture).await;
    let missing_field = connector(&fixture, &fake, |c| {
        c.fields = [("TenantId".to_string(), "Custom.AadTenantId".to_string())].into()
    });
    let e = missing_field.check().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadQuery, "{e}");
    assert!(e.message.contains("Custom.AadTenantId"), "{e}");
    assert!(e.message.contains("[sources.ado.fields]"), "{e}");

    let wrong_project = connector(&fixture, &fake, |c| c.project = "Nope".into());
    let e = wrong_project.check().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadQuery, "{e}");
    assert!(
        e.message
            .contains("check organization, project and base_url"),
        "{e}"
    );
}

#[tokio::test]
async fn values_with_quotes_are_escaped_wiql_literals() {
    let fixture = Fixture::new();
    let fake = AdoFake::start(&fixture).await;
    let ado = connector(&fixture, &fake, |_| {});
    let switch = fake.switch();
    let _ = switch.take_query_texts();
    let hostile = "o'brien') or [system.id] > 0 or ('x' = 'x";
    let mut query = Query::new(SourceKey::Ado);
    query.tenant_ids = vec![hostile.to_string(), fixture.tenant("General Motors")];

    let got = ado.run(&query).await.expect("the fake parsed the query");
    let expected = fixture
        .store_connector(SourceKey::Ado)
        .run(&query)
        .await
        .unwrap();
    assert_eq!(conformance::difference(&expected, &got), None);
    assert!(got.summary["total"].as_u64().unwrap() > 0);

    let texts = switch.take_query_texts();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(!texts[0].contains(hostile), "{}", texts[0]);
    assert!(
        texts[0].contains("'o''brien'') or [system.id] > 0 or (''x'' = ''x'"),
        "{}",
        texts[0]
    );
    // Read back as the service reads it, the literal is the value as given.
    let parsed = orca_testkit::ado::wiql::parse(&texts[0]).expect("valid WIQL");
    let printed = format!("{:?}", parsed.filter);
    assert!(printed.contains(&format!("Text({hostile:?})")), "{printed}");
}

#[tokio::test]
async fn a_rotated_token_is_read_again_after_a_refusal() {
    let fixture = Fixture::new();
    let fake = AdoFake::start(&fixture).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pat");
    std::fs::write(&file, "expired-pat\n").unwrap();
    let ado = connector(&fixture, &fake, |c| {
        c.pat_command = Some(vec!["cat".into(), file.display().to_string()])
    });
    let mut query = Query::new(SourceKey::Ado);
    query.tenant_ids = vec![fixture.tenant("Ford Motor Company")];
    assert_eq!(ado.run(&query).await.unwrap_err().kind, ErrorKind::Auth);

    std::fs::write(&file, format!("{}\n", fake.pat())).unwrap();
    let got = ado.run(&query).await.expect("the new token is read");
    assert!(got.summary["total"].as_u64().unwrap() > 0);
    // Kept while accepted: a token file removed after a success is not read again.
    std::fs::remove_file(&file).unwrap();
    ado.run(&query).await.expect("the kept token is used");
}

#[tokio::test]
async fn the_check_of_an_unreachable_service_names_base_url() {
    let fixture = Fixture::new();
    let fake = AdoFake::start(&fixture).await;
    let address = fake.url();
    drop(fake);
    let mut config = AdoConfig::for_test(&address, "pat");
    config.max_items = 10;
    let ado = config.connector(&context(&fixture)).unwrap();
    let e = ado.check().await.unwrap_err();
    assert!(e.is_retryable(), "{e}");
    assert!(e.message.contains("check base_url"), "{e}");
}

/// One raw HTTP/1.1 POST to the fake: the status and the `Content-Type` of the answer.
async fn raw_post(fake: &AdoFake, path: &str, pat: &str, body: &str) -> (u16, String) {
    use base64::Engine as _;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = fake.url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("any:{pat}"));
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Basic {auth}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    let content_type = answer
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(String::from)
        })
        .unwrap_or_default();
    (status, content_type)
}

#[tokio::test]
async fn the_fake_answers_as_the_service_does() {
    let fixture = Fixture::new();
    let fake = AdoFake::start(&fixture).await;
    let batch = "/contoso/_apis/wit/workitemsbatch?api-version=7.1";
    let id = fixture.data.work_items[0].id;
    let ids = |n: i64| {
        let list: Vec<String> = (0..n).map(|i| (id + i).to_string()).collect();
        format!(
            "{{\"ids\": [{}], \"errorPolicy\": \"omit\"}}",
            list.join(",")
        )
    };
    let pat = fake.pat().to_string();
    assert_eq!(raw_post(&fake, batch, &pat, &ids(200)).await.0, 200);
    assert_eq!(raw_post(&fake, batch, &pat, &ids(201)).await.0, 400);
    // Any user name with the token is accepted; a wrong token gets the sign-in page.
    let (status, content_type) = raw_post(&fake, batch, "wrong", &ids(1)).await;
    assert_eq!(
        (status, content_type.as_str()),
        (203, "text/html; charset=utf-8")
    );
    let wiql = "/contoso/Purview/_apis/wit/wiql?api-version=7.1";
    let query = "{\"query\": \"SELECT [System.Id] FROM WorkItems WHERE [System.Id] = 0\"}";
    assert_eq!(raw_post(&fake, wiql, &pat, query).await.0, 200);
    let other = "/contoso/Other/_apis/wit/wiql?api-version=7.1";
    assert_eq!(raw_post(&fake, other, &pat, query).await.0, 404);
    let unknown = "{\"query\": \"SELECT [Custom.Nope] FROM WorkItems\"}";
    assert_eq!(raw_post(&fake, wiql, &pat, unknown).await.0, 400);
    let versionless = "/contoso/Purview/_apis/wit/wiql";
    assert_eq!(raw_post(&fake, versionless, &pat, query).await.0, 400);
}
