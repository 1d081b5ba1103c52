//! The head-office dashboard at `/dashboard`: server-rendered HTML with inline SVG charts (no
//! scripts, nothing loaded from elsewhere, a strict CSP), behind its own sign-in. A session is
//! a random token in an HTTP-only, `SameSite=Strict` cookie scoped to `/dashboard`; every form
//! of a session carries its CSRF token, and a POST whose `Origin` is another site is refused.
//! Without a session every page sends the browser to the sign-in page. A manager may download
//! any page's figures as CSV; each download, like each sign-in, is noted in `office_audit`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use rapport_charts::{Bar, BarChart};
use rapport_model::csv::table;

use super::{AppState, with_db};
use crate::now_ms;
use crate::office::figures::{self, CampaignRow, Figures};
use crate::office::{self, OfficeError, OfficeRole, OfficeSession, SignIn};

const COOKIE: &str = "rapport_session";
const DAY_MS: i64 = 86_400_000;
/// Longest sign-in or sign-out form taken.
const MAX_FORM: usize = 4096;

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/dashboard", get(chain_page))
        .route("/dashboard/login", get(login_page).post(login))
        .route("/dashboard/logout", post(logout))
        .route("/dashboard/clinics/{id}", get(clinic_page))
        .route("/dashboard/campaigns", get(campaigns_page))
        .route("/dashboard/export.csv", get(chain_csv))
        .route("/dashboard/clinics/{id}/export.csv", get(clinic_csv))
        .route("/dashboard/campaigns/export.csv", get(campaigns_csv))
}

/// The days a page covers, whole UTC days: the last `?days=` (7 to 730, 90 unless said) up to
/// today, or `?from=YYYY-MM-DD&to=YYYY-MM-DD` (both included; `to` today unless said; at most
/// 730 days, ending no later than today).
#[derive(Debug, serde::Deserialize)]
struct Range {
    days: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "empty_as_none")]
    to: Option<NaiveDate>,
}

/// A date field the form sent empty is no date.
fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let text = <Option<String> as serde::Deserialize>::deserialize(d)?.unwrap_or_default();
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim().parse().map(Some).map_err(serde::de::Error::custom)
}

const MAX_RANGE_DAYS: i64 = 730;

impl Range {
    /// The first and last day.
    fn days(&self) -> (NaiveDate, NaiveDate) {
        let today = chrono::DateTime::from_timestamp_millis(now_ms()).unwrap_or_default().date_naive();
        let Some(from) = self.from else {
            let days = self.days.unwrap_or(90).clamp(7, MAX_RANGE_DAYS);
            return (today - chrono::Duration::days(days - 1), today);
        };
        let to = self.to.unwrap_or(today).min(today);
        let from = from.min(to).max(to - chrono::Duration::days(MAX_RANGE_DAYS - 1));
        (from, to)
    }

    /// `[from, to)` in milliseconds.
    fn bounds(&self) -> (i64, i64) {
        let (from, to) = self.days();
        let ms = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis());
        (ms(from), ms(to) + DAY_MS)
    }

    /// How a title says it.
    fn label(&self) -> String {
        let (from, to) = self.days();
        match self.from {
            None => format!("last {} days", (to - from).num_days() + 1),
            Some(_) => self.span(),
        }
    }

    /// The first and last day, as exports and the audit name them.
    fn span(&self) -> String {
        let (from, to) = self.days();
        format!("{from} to {to}")
    }

    /// The same range as a query string.
    fn query(&self) -> String {
        let (from, to) = self.days();
        match self.from {
            None => format!("days={}", (to - from).num_days() + 1),
            Some(_) => format!("from={from}&to={to}"),
        }
    }
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The signed-in user, or the way to the sign-in page.
async fn signed_in(app: &AppState, headers: &HeaderMap) -> Result<(OfficeSession, String), Response> {
    let to_login = || see_other("/dashboard/login");
    let Some(token) = cookie(headers) else { return Err(to_login()) };
    let t = token.clone();
    match with_db(&app.backend, move |db| office::session(db, &t, now_ms())).await {
        Ok(Some(session)) => Ok((session, token)),
        Ok(None) => Err(to_login()),
        Err(e) => Err(e.into_response()),
    }
}

/// Refuses a form posted from another site (the browser says where it came from).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, authority)| authority == host)
}

fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    let body = String::from_utf8_lossy(body);
    reqwest::Url::parse(&format!("http://form/?{body}"))
        .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    secure(r)
}

/// What every dashboard response carries: no caching, no framing, no scripts.
fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Same-origin, not no-referrer: with no referrer at all a browser sends `Origin: null` on
    // the dashboard's own forms, and those would be refused.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

fn page(status: StatusCode, title: &str, session: Option<&OfficeSession>, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Rapport head office" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    a.brand href="/dashboard" { "Rapport head office" }
                    @if let Some(s) = session {
                        nav aria-label="Dashboard" {
                            a href="/dashboard" { "Chain" }
                            a href="/dashboard/campaigns" { "Campaigns" }
                        }
                        form.signout method="post" action="/dashboard/logout" {
                            span { (s.login) " (" (s.role.as_str()) ")" }
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    let mut r = (status, markup.into_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    secure(r)
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:center;padding:.7rem 1.5rem;background:#0b3d2e;color:#fff}
header a{color:#fff}.brand{font-weight:700;text-decoration:none}nav{display:flex;gap:1rem;flex:1}
.signout{display:flex;gap:.6rem;align-items:center}main{padding:1rem 1.5rem;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;background:#fff;width:100%}th,td{padding:.4rem .6rem;border-bottom:1px solid #e4e7eb;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#e4e7eb}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(26rem,1fr));gap:1rem;margin-bottom:1rem}
figure{margin:0;background:#fff;padding:.8rem;border:1px solid #e4e7eb;border-radius:.4rem}figcaption{font-weight:600;margin-bottom:.3rem}
.chart{width:100%;height:auto}button{font:inherit;padding:.4rem .9rem;border:0;border-radius:.3rem;background:#0b6e4f;color:#fff}
.login{max-width:22rem;background:#fff;padding:1.2rem;border:1px solid #e4e7eb;border-radius:.4rem}
.login label{display:block;margin:.6rem 0 .2rem}.login input{font:inherit;width:100%;box-sizing:border-box;padding:.4rem}
.error{color:#8a041a;font-weight:600}.range{margin:.5rem 0 1rem}.quiet{color:#52606d}";

fn login_form(message: Option<&str>) -> Markup {
    html! {
        form.login method="post" action="/dashboard/login" {
            @if let Some(m) = message { p.error role="alert" { (m) } }
            label for="login" { "Login" }
            input #login name="login" autocomplete="username" required;
            label for="password" { "Password" }
            input #password name="password" type="password" autocomplete="current-password" required;
            p { button type="submit" { "Sign in" } }
        }
    }
}

async fn login_page() -> Response {
    page(StatusCode::OK, "Sign in", None, login_form(None))
}

async fn login(State(app): State<Arc<AppState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if body.len() > MAX_FORM || !same_origin(&headers) {
        return page(StatusCode::FORBIDDEN, "Sign in", None, login_form(Some("That sign-in was refused.")));
    }
    let fields = form_fields(&body);
    let (login, password) = (field(&fields, "login").to_owned(), field(&fields, "password").to_owned());
    let outcome = with_db(&app.backend, move |db| office::sign_in(db, &login, &password, now_ms())).await;
    match outcome {
        Ok(SignIn::Opened { token }) => {
            let mut r = see_other("/dashboard");
            let cookie = format!(
                "{COOKIE}={token}; Path=/dashboard; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
                office::SESSION_SECONDS
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Ok(SignIn::Wrong) => {
            page(StatusCode::UNAUTHORIZED, "Sign in", None, login_form(Some("Wrong login or password.")))
        }
        Ok(SignIn::Locked { minutes }) => page(
            StatusCode::TOO_MANY_REQUESTS,
            "Sign in",
            None,
            login_form(Some(&format!(
                "Too many wrong passwords: this login is locked. Try again in {minutes} minutes."
            ))),
        ),
        Err(e) => e.into_response(),
    }
}

async fn logout(State(app): State<Arc<AppState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let (session, token) = match signed_in(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let fields = form_fields(&body[..body.len().min(MAX_FORM)]);
    if !same_origin(&headers) || field(&fields, "csrf") != session.csrf {
        return page(
            StatusCode::FORBIDDEN,
            "Refused",
            Some(&session),
            html! { p { "That form was not this page's." } },
        );
    }
    let login = session.login.clone();
    let out = with_db(&app.backend, move |db| {
        office::sign_out(db, &token)?;
        office::audit(db, &login, "signed-out", None, now_ms())
    });
    if let Err(e) = out.await {
        return e.into_response();
    }
    let mut r = see_other("/dashboard/login");
    let gone = format!("{COOKIE}=; Path=/dashboard; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&gone) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or("–".to_owned(), |v| format!("{v:.decimals$}"))
}

fn when(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map_or("never".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// The page's range, and for a manager the link that downloads its figures (`export`, the
/// download's path).
fn range_form(range: &Range, session: &OfficeSession, export: &str) -> Markup {
    let days = range.days.unwrap_or(90);
    let (from, to) = range
        .from
        .map(|_| range.days())
        .map_or((String::new(), String::new()), |(f, t)| (f.to_string(), t.to_string()));
    html! {
        form.range method="get" {
            label for="days" { "Look back over " }
            select #days name="days" {
                @for d in [30, 90, 365] {
                    option value=(d) selected[d == days] { (d) " days" }
                }
            }
            label for="from" { " or from " }
            input #from type="date" name="from" value=(from);
            label for="to" { " to " }
            input #to type="date" name="to" value=(to);
            " " button type="submit" { "Show" }
            (export_link(session, &format!("{export}?{}", range.query())))
        }
    }
}

fn export_link(session: &OfficeSession, href: &str) -> Markup {
    html! {
        @if session.role == OfficeRole::Manager {
            " " a.export #export href=(href) download { "Export CSV" }
        }
    }
}

fn chart(id: &str, title: &str, bars: &[Bar], unit: &str, max: Option<f64>, target: Option<(f64, &str)>) -> Markup {
    let c = BarChart { id, title, bars, unit, max, target, decimals: 1 };
    html! { figure { figcaption { (title) } (PreEscaped(c.svg())) } }
}

/// The rate charts for a list of clinics or doctors.
fn rate_charts(prefix: &str, rows: &[Figures]) -> Markup {
    let no_shows: Vec<Bar> =
        rows.iter().filter_map(|f| f.no_show_rate().map(|r| Bar::new(f.name.clone(), r * 100.0))).collect();
    let on_time: Vec<Bar> =
        rows.iter().filter_map(|f| f.on_time_share().map(|r| Bar::new(f.name.clone(), r * 100.0))).collect();
    html! {
        div.charts {
            (chart(&format!("{prefix}-no-shows"), "No-show rate", &no_shows, "%", None, None))
            (chart(&format!("{prefix}-on-time"), "Seen within 30 minutes", &on_time, "%", Some(100.0), Some((90.0, "the 90% standard"))))
        }
    }
}

fn figures_table(first: &str, rows: &[Figures], link: bool, clinics: bool) -> Markup {
    html! {
        table {
            thead { tr {
                th scope="col" { (first) }
                @if clinics { th scope="col" { "Patients" } }
                th scope="col" { "Visits" } th scope="col" { "No-show rate" } th scope="col" { "Seen within 30 min" }
                @if clinics { th scope="col" { "Messages sent" } th scope="col" { "Delivered" } th scope="col" { "Failed" } th scope="col" { "Outbox late" } }
                th scope="col" { "Survey answers" } th scope="col" { "Rating" } th scope="col" { "NPS" }
                @if clinics { th scope="col" { "Desks" } th scope="col" { "Last sync" } }
            } }
            tbody {
                @for f in rows {
                    tr {
                        th scope="row" {
                            @if link { a href={ "/dashboard/clinics/" (f.id) } { (f.name) } } @else { (f.name) }
                        }
                        @if clinics { td { (f.patients) } }
                        td { (f.came + f.no_shows) } td { (pct(f.no_show_rate())) } td { (pct(f.on_time_share())) }
                        @if clinics {
                            td { (f.sent) } td { (f.delivered) } td { (f.failed) }
                            td { (f.late_minutes.map_or("–".to_owned(), |m| format!("{m} min"))) }
                        }
                        td { (f.answers) } td { (opt(f.average_rating, 2)) } td { (opt(f.nps, 0)) }
                        @if clinics { td { (f.devices) } td { (when(f.last_sync)) } }
                    }
                }
            }
        }
    }
}

fn campaigns_table(rows: &[CampaignRow], with_clinic: bool) -> Markup {
    html! {
        @if rows.is_empty() { p.quiet { "No campaigns yet." } } @else {
            table {
                thead { tr {
                    th scope="col" { "Campaign" }
                    @if with_clinic { th scope="col" { "Clinic" } }
                    th scope="col" { "Sends at" } th scope="col" { "State" } th scope="col" { "Sent" } th scope="col" { "Delivered" }
                    th scope="col" { "Held out" } th scope="col" { "Booked (sent)" } th scope="col" { "Booked (held out)" }
                    th scope="col" { "Lift" } th scope="col" { "Cost per booking" }
                } }
                tbody {
                    @for c in rows {
                        @let f = c.figures.clone().unwrap_or_default();
                        tr {
                            th scope="row" { (c.name) }
                            @if with_clinic { td { a href={ "/dashboard/clinics/" (c.clinic_id) } { (c.clinic) } } }
                            td { (when(Some(c.send_at))) }
                            td { @if c.paused { "paused" } @else if c.figures.is_some() { "ran" } @else { "waiting" } }
                            td { (f.sent) } td { (f.delivered) } td { (f.holdout) } td { (f.booked_sent) } td { (f.booked_holdout) }
                            td { (f.lift.map_or("–".to_owned(), |l| format!("{l:+.1} pts"))) }
                            td { (opt(f.cost_per_booking, 2)) }
                        }
                    }
                }
            }
        }
    }
}

async fn chain_page(State(app): State<Arc<AppState>>, headers: HeaderMap, Query(range): Query<Range>) -> Response {
    let (session, _) = match signed_in(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (from, to) = range.bounds();
    let clinics = match with_db(&app.backend, move |db| figures::chain(db, from, to, now_ms())).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    page(
        StatusCode::OK,
        &format!("The chain, {}", range.label()),
        Some(&session),
        html! {
            (range_form(&range, &session, "/dashboard/export.csv"))
            (rate_charts("chain", &clinics))
            h2 { "Clinics" }
            (figures_table("Clinic", &clinics, true, true))
        },
    )
}

async fn clinic_page(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(range): Query<Range>,
) -> Response {
    let (session, _) = match signed_in(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let not_found = || {
        page(
            StatusCode::NOT_FOUND,
            "No such clinic",
            Some(&session),
            html! { a href="/dashboard" { "Back to the chain" } },
        )
    };
    let Ok(id) = id.parse::<uuid::Uuid>() else { return not_found() };
    let (from, to) = range.bounds();
    let found = match with_db(&app.backend, move |db| figures::clinic(db, id, from, to, now_ms())).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let Some(p) = found else { return not_found() };
    page(
        StatusCode::OK,
        &format!("{}, {}", p.clinic.name, range.label()),
        Some(&session),
        html! {
            (range_form(&range, &session, &format!("/dashboard/clinics/{id}/export.csv")))
            (figures_table("Clinic", std::slice::from_ref(&p.clinic), false, true))
            h2 { "Doctors" }
            (rate_charts("doctors", &p.doctors))
            (figures_table("Doctor", &p.doctors, false, false))
            h2 { "Campaigns" }
            (campaigns_table(&p.campaigns, false))
            h2 { "Desks" }
            table {
                thead { tr { th scope="col" { "Desk" } th scope="col" { "Enrolled" } th scope="col" { "Last sync" } th scope="col" { "State" } } }
                tbody {
                    @for d in &p.devices {
                        tr { th scope="row" { (d.name) } td { (when(Some(d.enrolled_at))) } td { (when(d.last_seen_at)) }
                             td { @if d.revoked { "revoked" } @else { "active" } } }
                    }
                }
            }
        },
    )
}

async fn campaigns_page(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let (session, _) = match signed_in(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let rows = match with_db(&app.backend, figures::campaigns).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let lifts: Vec<Bar> = rows
        .iter()
        .filter_map(|c| c.figures.as_ref()?.lift.map(|l| Bar::new(format!("{} ({})", c.name, c.clinic), l)))
        .collect();
    page(
        StatusCode::OK,
        "Campaigns",
        Some(&session),
        html! {
            p { (export_link(&session, "/dashboard/campaigns/export.csv")) }
            div.charts { (chart("campaign-lift", "Lift in bookings over the holdout (percentage points)", &lifts, " pts", None, None)) }
            h2 { "Every campaign" }
            (campaigns_table(&rows, true))
        },
    )
}

/// A page's figures as a CSV download, for managers only; the download is audited with
/// `what` (the page and its range) in the same transaction that reads the figures.
async fn export(
    app: &AppState,
    headers: &HeaderMap,
    what: String,
    read: impl FnOnce(&mut dyn crate::db::Db) -> Result<Option<String>, OfficeError> + Send + 'static,
) -> Response {
    let (session, _) = match signed_in(app, headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if session.role != OfficeRole::Manager {
        let body = html! { p { "Only managers may export figures." } a href="/dashboard" { "Back to the chain" } };
        return page(StatusCode::FORBIDDEN, "Refused", Some(&session), body);
    }
    let (login, detail) = (session.login.clone(), what.clone());
    let found = with_db(&app.backend, move |db| {
        let csv = read(db)?;
        if csv.is_some() {
            office::audit(db, &login, "export", Some(&detail), now_ms())?;
        }
        Ok(csv)
    });
    let csv = match found.await {
        Ok(Some(csv)) => csv,
        Ok(None) => return page(StatusCode::NOT_FOUND, "No such clinic", Some(&session), html! {}),
        Err(e) => return e.into_response(),
    };
    let name: String = what.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let mut r = csv.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"rapport-{name}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    secure(r)
}

async fn chain_csv(State(app): State<Arc<AppState>>, headers: HeaderMap, Query(range): Query<Range>) -> Response {
    let (from, to) = range.bounds();
    let what = format!("chain {}", range.span());
    export(&app, &headers, what, move |db| Ok(Some(table(&figures::chain(db, from, to, now_ms())?)))).await
}

async fn clinic_csv(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(range): Query<Range>,
) -> Response {
    let (from, to) = range.bounds();
    let id = id.parse::<uuid::Uuid>().ok();
    let what = format!("clinic {} doctors {}", id.unwrap_or_default(), range.span());
    export(&app, &headers, what, move |db| {
        let Some(id) = id else { return Ok(None) };
        Ok(figures::clinic(db, id, from, to, now_ms())?.map(|p| table(&p.doctors)))
    })
    .await
}

async fn campaigns_csv(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    export(&app, &headers, "campaigns".into(), |db| Ok(Some(table(&figures::campaigns(db)?)))).await
}
