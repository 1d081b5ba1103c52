//! The head-office dashboard in a real browser: two clinics' desks (demo data) sync to a real
//! `rapport-server`; a head-office user made by `rapport-server user add` signs in through
//! headless Chromium (a wrong password refused), reads the chain page, a clinic's page and the
//! campaigns, with charts that carry their text alternatives, and signs out. Spoken to
//! directly: no page answers without a session, a forged cookie or a form from another site is
//! refused, repeated wrong passwords lock the login, and a session ends with its sign-out.

use rapport_tests::browser::{Browser, heading, screenshot};
use rapport_tests::head_office::{Desk, Office, bin, tls_files};
use rapport_tests::kannel::free_port;
use thirtyfour::prelude::*;

const BOSS_PASSWORD: &str = "head-office-2026-boss";

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

fn add_user(office: &Office, login: &str, role: &str, password: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(bin("rapport-server"));
    cmd.args(["user", "add", login, "--role", role, "--data"]).arg(office.dir.join("office"));
    match password {
        Some(p) => cmd.env("RAPPORT_SERVER_PASSWORD", p),
        None => cmd.env_remove("RAPPORT_SERVER_PASSWORD"),
    };
    cmd.output().expect("rapport-server user add")
}

#[test]
fn head_office_staff_sign_in_and_read_the_chain_clinic_and_campaign_figures_in_a_browser() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_owned();
    tls_files(&dir);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut office = Office::plain(&dir, port, &[]);
    office.admin(&["clinic", "add", "Lotus"]);
    office.admin(&["clinic", "add", "North"]);
    office.start();
    for (name, patients, seed) in [("Lotus", "60", "1"), ("North", "40", "2")] {
        let desk = Desk { db: dir.join(format!("{name}.db")) };
        desk.ok(&["init", "--clinic", name, "--admin", "admin"]);
        desk.ok(&["demo", "--patients", patients, "--seed", seed]);
        office.enroll(&desk, name);
        desk.ok(&["sync", "now"]);
        if name == "Lotus" {
            desk.ok(&["segment", "save", "everyone"]);
            desk.ok(&[
                "campaign",
                "create",
                "Winter check",
                "--segment",
                "everyone",
                "--template",
                "campaign",
                "--channel",
                "sms",
                "--holdout",
                "50",
            ]);
            desk.ok(&["sync", "now"]);
        }
    }
    // The campaign runs (no gateway here: its texts wait) and is counted.
    office.admin(&["messages", "plan"]);

    // Users: the password only from the environment, and long enough.
    assert!(!add_user(&office, "boss", "manager", None).status.success());
    let weak = add_user(&office, "boss", "manager", Some("short"));
    assert!(!weak.status.success() && String::from_utf8_lossy(&weak.stderr).contains("12 characters"));
    assert!(!add_user(&office, "boss", "owner", Some(BOSS_PASSWORD)).status.success(), "no such role");
    assert!(add_user(&office, "boss", "manager", Some(BOSS_PASSWORD)).status.success());
    assert!(add_user(&office, "watcher", "viewer", Some("watcher-password-99")).status.success());
    assert!(add_user(&office, "reader", "viewer", Some("reader-password-99")).status.success());

    // No page answers without a session; a made-up cookie is no session.
    let http = client();
    for path in [
        "/dashboard",
        "/dashboard/campaigns",
        "/dashboard/clinics/00000000-0000-0000-0000-000000000000",
        "/dashboard/export.csv",
        "/dashboard/campaigns/export.csv",
    ] {
        let r = http.get(format!("{base}{path}")).send().expect("get");
        assert_eq!(r.status().as_u16(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/dashboard/login");
        let forged = http.get(format!("{base}{path}")).header("cookie", format!("rapport_session={}", "ab".repeat(32)));
        assert_eq!(forged.send().expect("get").status().as_u16(), 303, "{path} with a forged cookie");
    }
    // A sign-in posted from another site is refused.
    let from_elsewhere = http
        .post(format!("{base}/dashboard/login"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("login=boss&password={BOSS_PASSWORD}"))
        .send()
        .expect("post");
    assert_eq!(from_elsewhere.status().as_u16(), 403);
    // Five wrong passwords lock the login, even against the right one.
    let sign_in = |login: &str, password: &str| {
        http.post(format!("{base}/dashboard/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("login={login}&password={password}"))
            .send()
            .expect("post")
    };
    for _ in 0..4 {
        assert_eq!(sign_in("watcher", "guess-guess-guess").status().as_u16(), 401);
    }
    let locked = sign_in("watcher", "guess-guess-guess");
    assert_eq!(locked.status().as_u16(), 429);
    assert!(locked.text().expect("page").contains("locked"));
    assert_eq!(sign_in("watcher", "watcher-password-99").status().as_u16(), 429, "locked for a while");

    let session = in_the_browser(&base).expect("the dashboard in Chromium");

    // Signed out: the session's cookie opens nothing any more.
    let after = http.get(format!("{base}/dashboard")).header("cookie", format!("rapport_session={session}"));
    assert_eq!(after.send().expect("get").status().as_u16(), 303);
    // A sign-out without the session's form token is refused (and ends nothing).
    let opened = sign_in("boss", BOSS_PASSWORD);
    assert_eq!(opened.status().as_u16(), 303);
    let set = opened.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/dashboard"), "{set}");
    let token = set.trim_start_matches("rapport_session=").split(';').next().expect("token").to_owned();
    let cookie = format!("rapport_session={token}");
    let forged = http
        .post(format!("{base}/dashboard/logout"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=0123")
        .send()
        .expect("post");
    assert_eq!(forged.status().as_u16(), 403);
    let page = http.get(format!("{base}/dashboard")).header("cookie", &cookie).send().expect("get");
    assert_eq!(page.status().as_u16(), 200, "still signed in");
    let csp = page.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");

    // A manager downloads the figures as CSV; a viewer may not; each download is audited.
    let export =
        http.get(format!("{base}/dashboard/export.csv?days=30")).header("cookie", &cookie).send().expect("get");
    assert_eq!(export.status().as_u16(), 200);
    assert_eq!(export.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = export.headers()["content-disposition"].to_str().expect("disposition").to_owned();
    assert!(disposition.starts_with("attachment; filename=\"rapport-chain-20"), "{disposition}");
    assert!(disposition.ends_with(".csv\""), "{disposition}");
    let csv = export.text().expect("csv");
    assert!(csv.starts_with("id,name,patients,visits,no_shows,no_show_rate,"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "a header and the two clinics: {csv}");
    assert!(csv.contains(",Lotus,60,") && csv.contains(",North,40,"), "{csv}");
    // Any range of days, up to today: the page says which; a date that is no date is refused.
    let january = http.get(format!("{base}/dashboard?from=2026-01-01&to=2026-01-31")).header("cookie", &cookie);
    assert!(january.send().expect("get").text().expect("page").contains("The chain, 2026-01-01 to 2026-01-31"));
    let month = http
        .get(format!("{base}/dashboard/export.csv?from=2026-01-01&to=2026-01-31&days=90"))
        .header("cookie", &cookie)
        .send()
        .expect("get");
    assert_eq!(
        month.headers()["content-disposition"],
        "attachment; filename=\"rapport-chain-2026-01-01-to-2026-01-31.csv\""
    );
    let nonsense = http.get(format!("{base}/dashboard?from=2026-02-30")).header("cookie", &cookie).send().expect("get");
    assert_eq!(nonsense.status().as_u16(), 400);
    let campaigns =
        http.get(format!("{base}/dashboard/campaigns/export.csv")).header("cookie", &cookie).send().expect("get");
    assert!(campaigns.text().expect("csv").contains("\r\nWinter check,Lotus,"));
    let viewer = sign_in("reader", "reader-password-99");
    let viewer_cookie =
        viewer.headers()["set-cookie"].to_str().expect("cookie").split(';').next().expect("c").to_owned();
    let refused =
        http.get(format!("{base}/dashboard/export.csv")).header("cookie", &viewer_cookie).send().expect("get");
    assert_eq!(refused.status().as_u16(), 403, "viewers see figures but do not export them");
    let audit: serde_json::Value =
        serde_json::from_str(&office.admin(&["user", "log", "--json"])).expect("the dashboard's audit");
    let did = |login: &str, action: &str| {
        audit.as_array().expect("rows").iter().filter(|r| r["login"] == login && r["action"] == action).count()
    };
    assert_eq!(did("boss", "export"), 3, "{audit}");
    assert_eq!(did("reader", "export"), 0);
    assert!(did("watcher", "sign-in-refused") >= 4 && did("watcher", "locked") == 1, "{audit}");
    assert!(did("boss", "signed-in") >= 2 && did("boss", "signed-out") >= 1, "{audit}");

    office.kill();
    let log = std::fs::read_to_string(dir.join("office.log")).expect("log");
    for secret in [BOSS_PASSWORD, "watcher-password-99", "reader-password-99", token.as_str()] {
        assert!(!log.contains(secret), "head office logged {secret:?}");
    }
}

/// Signs in as `boss` in Chromium (a wrong password first), reads the chain page, a clinic's
/// page and the campaigns, and signs out. The session's cookie value, for the caller to try.
fn in_the_browser(base: &str) -> WebDriverResult<String> {
    let browser = Browser::start().map_err(|e| WebDriverError::FatalError(e.to_string()))?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| WebDriverError::FatalError(e.to_string()))?;
    rt.block_on(async {
        let web = browser.open(1280, 900).await?;
        web.goto(&format!("{base}/dashboard")).await?;
        heading(&web, "Sign in").await?;
        assert!(web.current_url().await?.as_str().ends_with("/dashboard/login"), "sent to sign in");
        let sign_in = |password: &'static str| {
            let web = web.clone();
            async move {
                web.find(By::Id("login")).await?.send_keys("boss").await?;
                web.find(By::Id("password")).await?.send_keys(password).await?;
                web.find(By::Css("button[type=submit]")).await?.click().await
            }
        };
        sign_in("not-the-password").await?;
        let alert = web
            .query(By::XPath("//*[@role='alert'][normalize-space()='Wrong login or password.']"))
            .wait(std::time::Duration::from_secs(20), std::time::Duration::from_millis(50))
            .first()
            .await?;
        assert!(alert.is_displayed().await?);
        screenshot(&web, "dashboard-login-refused").await?;
        sign_in(BOSS_PASSWORD).await?;

        // The chain: both clinics, two charts with titles and text alternatives.
        heading(&web, "The chain, last 90 days").await?;
        let rows = web.find_all(By::Css("main table tbody tr")).await?;
        assert_eq!(rows.len(), 2);
        let charts = web.find_all(By::Css("svg[role=img]")).await?;
        assert_eq!(charts.len(), 2);
        for chart in &charts {
            let labelled = chart.attr("aria-labelledby").await?.unwrap_or_default();
            assert!(labelled.ends_with("-desc"), "{labelled}");
            let desc: String = web
                .execute("return arguments[0].querySelector('desc').textContent", vec![chart.to_json()?])
                .await?
                .convert()?;
            assert!(desc.contains("Lotus: ") || desc.contains("North: ") || desc == "No data.", "{desc}");
        }
        let body = web.find(By::Tag("main")).await?.text().await?;
        assert!(body.contains("Lotus") && body.contains("North") && body.contains("No-show rate"), "{body}");
        let export = web.find(By::Id("export")).await?.attr("href").await?.unwrap_or_default();
        assert_eq!(export, "/dashboard/export.csv?days=90", "a manager is offered the page's figures as CSV");
        screenshot(&web, "dashboard-chain").await?;

        // A clinic: its doctors, its campaign, its desk.
        web.find(By::LinkText("Lotus")).await?.click().await?;
        heading(&web, "Lotus, last 90 days").await?;
        let body = web.find(By::Tag("main")).await?.text().await?;
        assert!(body.contains("Doctors") && body.contains("Winter check") && body.contains("active"), "{body}");
        screenshot(&web, "dashboard-clinic").await?;

        // The campaigns: the holdout of half the clinic's patients.
        web.find(By::LinkText("Campaigns")).await?.click().await?;
        heading(&web, "Campaigns").await?;
        let row = web.find(By::XPath("//tr[th[text()='Winter check']]")).await?.text().await?;
        assert!(row.contains("Lotus") && row.contains("ran"), "{row}");
        assert_eq!(web.find_all(By::Css("svg[role=img] title")).await?.len(), 1);
        screenshot(&web, "dashboard-campaigns").await?;

        let token = web.get_named_cookie("rapport_session").await?.value.clone();
        web.find(By::Css(".signout button")).await?.click().await?;
        heading(&web, "Sign in").await?;
        assert!(web.current_url().await?.as_str().ends_with("/dashboard/login"));
        web.quit().await?;
        Ok(token)
    })
}
