//! `orca serve` and `orca token` through the built binary: an unauthenticated server refuses a
//! non-loopback address, tokens are printed once and stored as SHA-256 hashes only.

mod common;

use common::{assert_success, orca_unpinned as orca};

#[test]
fn serve_without_tokens_refuses_a_non_loopback_address() {
    let dir = tempfile::tempdir().unwrap();
    let out = orca(dir.path())
        .args(["serve", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("without a tokens file"), "{stderr}");
    assert!(!dir.path().join("store").exists(), "nothing was created");
}

#[test]
fn serve_rejects_a_bad_address_and_a_missing_tokens_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = orca(dir.path())
        .args(["serve", "--addr", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = orca(dir.path())
        .args(["serve", "--tokens", "missing.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

#[test]
fn token_add_prints_the_token_once_and_stores_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.toml");
    let out = orca(dir.path())
        .args([
            "token",
            "add",
            "ford-team",
            "--tenants",
            "A959ED19-58ec-5b04-a375-0e9a54aff769",
        ])
        .arg("--tokens")
        .arg(&file)
        .output()
        .unwrap();
    assert_success(&out);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("orca_") && token.len() == 69, "{token}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&token), "the token itself is never stored");
    assert!(text.contains(&orca::server::auth::hash_token(&token)));
    assert!(
        text.contains("a959ed19-58ec-5b04-a375-0e9a54aff769"),
        "tenant ids are lower-cased"
    );
    let auth = orca::server::auth::Auth::from_file(&file).unwrap();
    assert!(auth.is_enabled());

    // A second token of the same name is refused; list and remove work.
    let again = orca(dir.path())
        .args(["token", "add", "ford-team", "--all", "--tokens"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    orca(dir.path())
        .args(["token", "add", "mcs", "--segments", "MCS,IC", "--tokens"])
        .arg(&file)
        .assert()
        .success();
    let list = orca(dir.path())
        .args(["token", "list", "--tokens"])
        .arg(&file)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("ford-team\ttenants") && listed.contains("mcs\tsegments MCS,IC"),
        "{listed}"
    );
    orca(dir.path())
        .args(["token", "remove", "ford-team", "--tokens"])
        .arg(&file)
        .assert()
        .success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("ford-team"));
}

#[test]
fn token_add_needs_exactly_one_scope() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["token", "add", "x", "--tokens", "t.toml"],
        vec![
            "token",
            "add",
            "x",
            "--all",
            "--segments",
            "MCS",
            "--tokens",
            "t.toml",
        ],
    ] {
        let out = orca(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    // Without --tokens and without [server] tokens_file there is nowhere to store it.
    let out = orca(dir.path())
        .args(["token", "add", "x", "--all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tokens file"));
}

#[test]
fn token_tenants_must_be_tenant_ids() {
    let dir = tempfile::tempdir().unwrap();
    let add = |tenants: &str| {
        orca(dir.path())
            .args([
                "token",
                "add",
                tenants,
                "--tenants",
                tenants,
                "--tokens",
                "t.toml",
            ])
            .output()
            .unwrap()
    };
    let out = add("not-a-guid");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("`not-a-guid` is not a tenant id"), "{err}");
    assert!(!dir.path().join("t.toml").exists(), "nothing written");
    // Braces and upper case are the same tenant, stored in the one canonical form.
    let out = add("{11111111-AAAA-1111-1111-111111111111}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = std::fs::read_to_string(dir.path().join("t.toml")).unwrap();
    assert!(
        file.contains("11111111-aaaa-1111-1111-111111111111"),
        "{file}"
    );
}
