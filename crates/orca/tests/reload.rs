//! Registry reload of long-running processes: the watcher swaps a changed registry file into
//! the service, keeps the old registry when the new file is bad, and every request sees one
//! whole registry (old or new), never a mix, while swaps happen.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use orca::cli::CommonArgs;
use orca::config::{Config, RawConfig};
use orca::reload::{Reload, watch_registry};
use orca::service::Orca;
use orca_connectors::{OpenMode, Store};
use orca_core::Registry;
use tokio_util::sync::CancellationToken;

const OLD: &str = "Customer Name,Tenant ID,Aliases\n\
    Contoso Ltd,11111111-1111-4111-8111-111111111111,Contoso\n\
    Fabrikam Inc,22222222-2222-4222-8222-222222222222,Fabrikam\n";
const NEW: &str = "Customer Name,Tenant ID,Aliases\n\
    Contoso Ltd,33333333-3333-4333-8333-333333333333,Contoso\n\
    Fabrikam Inc,44444444-4444-4444-8444-444444444444,Fabrikam\n\
    Northwind Traders,55555555-5555-4555-8555-555555555555,Northwind\n";

fn service(dir: &Path, registry: &Path) -> Orca {
    let common = CommonArgs {
        registry: Some(registry.to_path_buf()),
        data: Some(dir.join("store")),
        ..CommonArgs::default()
    };
    let config = Config::resolve(RawConfig::default(), dir, &common).unwrap();
    let store = Store::open(&config.data_dir, OpenMode::ReadWrite).unwrap();
    let registry = Registry::from_csv(OLD.as_bytes()).unwrap().0;
    let engine =
        orca_engine::Engine::new(config.engine.clone(), store.connectors(&config.health)).unwrap();
    Orca::new(config, registry, store, engine)
}

/// The watcher's next report (a test that waits longer has failed).
async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Reload>) -> Option<Reload> {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the watcher reports a change within 10 s")
}

fn tenant(orca: &Orca, name: &str) -> Option<String> {
    orca.resolve(name).first().map(|c| c.tenant_id.clone())
}

#[tokio::test]
async fn a_changed_file_is_swapped_in_and_a_bad_one_keeps_the_old_registry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.csv");
    std::fs::write(&path, OLD).unwrap();
    let orca = service(dir.path(), &path);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stop = CancellationToken::new();
    let watcher = tokio::spawn(watch_registry(
        orca.clone(),
        path.clone(),
        Duration::from_millis(10),
        stop.clone(),
        Some(tx),
    ));
    assert_eq!(tenant(&orca, "Northwind"), None);

    std::fs::write(&path, NEW).unwrap();
    assert_eq!(
        next(&mut rx).await,
        Some(Reload::Loaded {
            customers: 3,
            skipped: 0
        })
    );
    assert_eq!(
        tenant(&orca, "Northwind").as_deref(),
        Some("55555555-5555-4555-8555-555555555555")
    );
    assert_eq!(
        tenant(&orca, "Contoso").as_deref(),
        Some("33333333-3333-4333-8333-333333333333")
    );

    // A file without the required columns: the registry in use stays.
    std::fs::write(&path, "Name\nnot a registry at all\n").unwrap();
    assert!(matches!(next(&mut rx).await, Some(Reload::Kept { .. })));
    assert_eq!(orca.registry().len(), 3);
    // A deleted file too.
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(next(&mut rx).await, Some(Reload::Kept { .. })));
    assert_eq!(orca.registry().len(), 3);

    stop.cancel();
    watcher.await.unwrap();
}

#[test]
fn readers_see_the_old_or_the_new_registry_never_half() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.csv");
    std::fs::write(&path, OLD).unwrap();
    let orca = service(dir.path(), &path);
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (orca, done) = (orca.clone(), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut seen = [0u64; 2];
                while !done.load(Ordering::Relaxed) {
                    // One snapshot per request: its customers all come from one file.
                    let registry = orca.registry();
                    let contoso = registry.resolve("Contoso")[0].tenant_id.clone();
                    let fabrikam = registry.resolve("Fabrikam")[0].tenant_id.clone();
                    match (registry.len(), contoso.as_str(), fabrikam.as_str()) {
                        (
                            2,
                            "11111111-1111-4111-8111-111111111111",
                            "22222222-2222-4222-8222-222222222222",
                        ) => seen[0] += 1,
                        (
                            3,
                            "33333333-3333-4333-8333-333333333333",
                            "44444444-4444-4444-8444-444444444444",
                        ) => seen[1] += 1,
                        other => panic!("a mixed registry: {other:?}"),
                    }
                }
                seen
            })
        })
        .collect();
    for i in 0..2_000 {
        let text = if i % 2 == 0 { NEW } else { OLD };
        orca.replace_registry(Registry::from_csv(text.as_bytes()).unwrap().0);
    }
    done.store(true, Ordering::Relaxed);
    let total: u64 = readers
        .into_iter()
        .map(|r| r.join().unwrap().iter().sum::<u64>())
        .sum();
    assert!(total > 0);
}
