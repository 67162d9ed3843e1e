//! `[sources.<key>]` and `orca doctor`: which connector serves each source, and the checks.

mod common;

use common::{orca, run, service_data_dir};

#[test]
fn doctor_checks_every_source_of_the_store() {
    let (code, out, err) = run(orca(service_data_dir()).arg("doctor"));
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    for (line, source) in lines.iter().zip(["kusto", "icm", "ado", "tenant", "docs"]) {
        assert!(line.starts_with("ok "), "{line}");
        assert!(line.contains(source) && line.contains("store"), "{line}");
    }

    let (code, out, _) = run(orca(service_data_dir()).args(["doctor", "--format", "json"]));
    assert_eq!(code, 0);
    let checks: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(checks.as_array().unwrap().len(), 5);
    assert!(checks.as_array().unwrap().iter().all(|c| c["ok"] == true));
}

#[test]
fn a_source_table_that_names_no_source_or_connector_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orca.toml");
    std::fs::write(&config, "[sources.kusot]\ntype = \"store\"\n").unwrap();
    let (code, _, err) = run(orca(service_data_dir())
        .arg("--config")
        .arg(&config)
        .arg("doctor"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("[sources.kusot] names no source"), "{err}");

    std::fs::write(&config, "[sources.icm]\ntype = \"oracle\"\n").unwrap();
    let (code, _, err) = run(orca(service_data_dir())
        .arg("--config")
        .arg(&config)
        .args(["ask", "How many cases does Ford have?"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown variant `oracle`"), "{err}");
}
