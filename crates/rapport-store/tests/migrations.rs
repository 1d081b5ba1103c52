//! A database made by an older version of Rapport opens and upgrades with this one.

use rapport_store::{DataKey, LATEST_VERSION, Store, search};

#[test]
fn a_version_1_database_upgrades_and_its_patients_become_searchable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.db");
    let key = DataKey::random().expect("key");
    {
        let v1 = Store::create_at_version(&path, &key, 1).expect("create v1");
        assert_eq!(v1.schema_version().expect("version"), 1);
        // Rows as version 1 wrote them (no search index existed then).
        v1.conn()
            .execute_batch(
                "INSERT INTO staff (id, login, display_name, role, password_hash, created_at)
                   VALUES (x'0190000000007000800000000000000a', 'admin', 'Admin', 'admin', 'x', 0);
                 INSERT INTO patient (id, record_no, given, family, preferred, phones, created_at, updated_at)
                   VALUES (x'0190000000007000800000000000000b', 'OLD-1', 'Mária', 'Szabó', 'Mari', '[\"+36 30 123 4567\"]', 1, 1),
                          (x'0190000000007000800000000000000c', 'OLD-2', 'Old', 'Timer', NULL, '[]', 2, 2);",
            )
            .expect("v1 rows");
    }
    let upgraded = Store::open_with_key(&path, &key).expect("open with the current schema");
    assert_eq!(upgraded.schema_version().expect("version"), LATEST_VERSION);
    let by_name = search::search(upgraded.conn(), "maria sza", 10).expect("search");
    assert_eq!(by_name.iter().map(|h| h.record_no.as_str()).collect::<Vec<_>>(), ["OLD-1"]);
    let by_phone = search::search(upgraded.conn(), "30 123", 10).expect("search");
    assert_eq!(by_phone.iter().map(|h| h.record_no.as_str()).collect::<Vec<_>>(), ["OLD-1"]);
    assert_eq!(search::search(upgraded.conn(), "timer", 10).expect("search").len(), 1);
}

#[test]
fn a_database_from_a_newer_version_is_refused_not_damaged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("new.db");
    let key = DataKey::random().expect("key");
    {
        let store = Store::create_at_version(&path, &key, LATEST_VERSION).expect("create");
        store.conn().execute_batch(&format!("PRAGMA user_version = {};", LATEST_VERSION + 1)).expect("bump");
    }
    let err = Store::open_with_key(&path, &key).expect_err("refused");
    assert!(err.to_string().contains("newer than this program"), "{err}");
}

#[test]
fn opening_twice_applies_nothing_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db");
    let key = DataKey::random().expect("key");
    drop(Store::create_at_version(&path, &key, LATEST_VERSION).expect("create"));
    drop(Store::open_with_key(&path, &key).expect("first open"));
    let again = Store::open_with_key(&path, &key).expect("second open");
    assert_eq!(again.schema_version().expect("version"), LATEST_VERSION);
}

#[test]
fn search_hits_are_read_from_the_covering_index_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::create_at_version(&dir.path().join("db"), &DataKey::random().expect("key"), LATEST_VERSION)
        .expect("create");
    let plan: Vec<String> = store
        .conn()
        .prepare(&format!("EXPLAIN QUERY PLAN {}", search::HITS_SQL))
        .expect("explain")
        .query_map(["names : \"a\"*", "20"], |r| r.get::<_, String>(3))
        .expect("plan")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(plan.iter().any(|step| step.contains("COVERING INDEX patient_search_hit")), "{plan:?}");
}

/// The replicated records are declared once (`rapport_model::schema::RECORDS`); every column of
/// their tables is in that declaration, as a field, the key, or a column that stays on the desk.
/// A column added by a migration and forgotten there would silently never replicate.
#[test]
fn every_column_of_a_replicated_table_is_declared() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::create_at_version(&dir.path().join("db"), &DataKey::random().expect("key"), LATEST_VERSION)
        .expect("store");
    for record in &rapport_model::schema::RECORDS {
        let table = record.entity.as_str();
        let mut stmt = store.conn().prepare(&format!("SELECT name FROM pragma_table_info('{table}')")).expect("sql");
        let columns: Vec<String> =
            stmt.query_map([], |r| r.get(0)).expect("columns").collect::<Result<_, _>>().expect("names");
        assert!(!columns.is_empty(), "{table} exists");
        for column in &columns {
            let declared =
                column == record.key || record.field(column).is_some() || record.local_only.contains(&column.as_str());
            assert!(declared, "{table}.{column} is neither replicated nor declared local-only");
        }
        for field in record.fields {
            assert!(columns.iter().any(|c| c == field.name), "{table} has no column {}", field.name);
        }
    }
}

#[test]
fn an_enrolled_version_5_desk_goes_on_replicating_and_one_never_enrolled_drops_its_outbox() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = DataKey::random().expect("key");
    let outbox_of = |store: &Store| -> i64 {
        store.conn().query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0)).expect("outbox")
    };
    for enrolled in [true, false] {
        let path = dir.path().join(format!("v5-{enrolled}.db"));
        {
            let v5 = Store::create_at_version(&path, &key, 5).expect("create v5");
            // What version 5 kept: a change waiting for head office, and (when enrolled) a token.
            v5.conn()
                .execute_batch(
                    "INSERT INTO sync_outbox (change_id, change) VALUES ('c1', '{}');
                     INSERT INTO sync_version (entity, record, versions) VALUES ('patient', 'p1', '{}');",
                )
                .expect("v5 rows");
            if enrolled {
                v5.conn().execute("INSERT INTO meta (key, value) VALUES ('sync_token', 't')", []).expect("token");
            }
        }
        let upgraded = Store::open_with_key(&path, &key).expect("upgrade");
        assert_eq!(rapport_store::sync::replicating(upgraded.conn()).expect("flag"), enrolled);
        assert_eq!(outbox_of(&upgraded), i64::from(enrolled), "enrolled: {enrolled}");
    }
}
