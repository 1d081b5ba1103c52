//! Head office reaches PostgreSQL over TLS when its URL asks (`sslmode=verify-full` or
//! `require`), verifying the server's certificate; never falls back to the clear. Runs against
//! the PostgreSQL `cargo xtask test` starts with TLS on (`RAPPORT_TEST_POSTGRES`, its CA in
//! `RAPPORT_TEST_POSTGRES_CA`).

use rapport_server::Backend;

fn test_postgres() -> (String, String) {
    let url = std::env::var("RAPPORT_TEST_POSTGRES")
        .expect("set RAPPORT_TEST_POSTGRES to a PostgreSQL URL (`cargo xtask test` starts one and sets it)");
    let ca = std::env::var("RAPPORT_TEST_POSTGRES_CA")
        .expect("set RAPPORT_TEST_POSTGRES_CA to the test PostgreSQL's CA (`cargo xtask test` sets it)");
    (url, ca)
}

/// The TLS version of the connection a transaction runs on, or `None` in the clear.
fn tls_version(backend: &Backend) -> Option<String> {
    backend
        .tx(|db| {
            db.query_one("SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl", &[])
                .map(|row| row.and_then(|r| r[0].text().map(str::to_owned)))
        })
        .expect("query")
}

fn open_error(url: &str) -> String {
    match Backend::postgres(url) {
        Ok(_) => panic!("head office connected with {url}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn head_office_speaks_tls_to_postgres_when_the_url_asks_and_verifies_the_certificate() {
    let (url, ca) = test_postgres();

    for mode in ["verify-full", "require"] {
        let backend = Backend::postgres(&format!("{url}?sslmode={mode}&sslrootcert={ca}")).expect("TLS connection");
        let version = tls_version(&backend);
        assert!(version.as_deref().is_some_and(|v| v.starts_with("TLSv1.")), "sslmode={mode}: {version:?}");
    }
    // Other settings in the URL are kept beside the TLS ones.
    let backend = Backend::postgres(&format!("{url}?application_name=rapport&sslmode=verify-full&sslrootcert={ca}"))
        .expect("tls");
    assert!(tls_version(&backend).is_some());

    // Without sslmode (or with disable) the connection is in the clear, as before.
    assert_eq!(tls_version(&Backend::postgres(&url).expect("plain")), None);
    assert_eq!(tls_version(&Backend::postgres(&format!("{url}?sslmode=disable")).expect("plain")), None);

    // A certificate the system's roots do not vouch for is refused, whatever the mode.
    let untrusted = open_error(&format!("{url}?sslmode=require"));
    assert!(untrusted.to_lowercase().contains("certificate"), "{untrusted}");

    // Modes that would fall back to the clear are refused outright; a missing CA file is named.
    assert!(open_error(&format!("{url}?sslmode=prefer")).contains("not supported"));
    let missing = open_error(&format!("{url}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"));
    assert!(missing.contains("sslrootcert"), "{missing}");
}
