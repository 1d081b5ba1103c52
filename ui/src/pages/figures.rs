//! A manager's figures, from this desk's data (offline): who is in a segment as the conditions
//! are typed (with a few names to recognise it by, and saving it for campaigns), the clinic's
//! reports over a range of days with their charts, the campaigns head office ran and what came of
//! them, and what patients said in surveys.

use std::cell::Cell;
use std::rc::Rc;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rapport_charts::{Bar, BarChart};
use rapport_model::Channel;
use rapport_model::campaigns::{CampaignView, MAX_HOLDOUT_PCT, MAX_WINDOW_DAYS, parse_cost};
use rapport_model::ipc::CampaignArgs;
use rapport_model::reports::{CountRow, NOT_RECORDED, NoShowRow, ProfileReport, Report, WAIT_STANDARD, WaitingReport};
use rapport_model::segments::{SavedSegment, SegmentFilter, SegmentSize};
use rapport_model::surveys::{MAX_SURVEY_DELAY_HOURS, SurveyEdit, SurveyResults, SurveySettings};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::app::Desk;
use crate::components::use_doctors;
use crate::dom::{checked, input_value, select_value};
use crate::{api, format, i18n, t};

fn chart(id: &str, title: &str, bars: &[Bar], unit: &str, max: Option<f64>, target: Option<(f64, &str)>) -> Html {
    // Rates to a tenth of a percent; counts whole.
    let decimals = usize::from(unit == "%");
    let svg = BarChart { id, title, bars, unit, max, target, decimals }.svg();
    html! {
        <figure class="chart-box">
            <figcaption>{title}</figcaption>
            { Html::from_html_unchecked(AttrValue::from(svg)) }
        </figure>
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// A report's way of grouping (`doctor`, `lead`…), as its table names it.
fn dimension(d: &str) -> String {
    match d {
        "all" => t!("figures-by-all"),
        "doctor" => t!("figures-by-doctor"),
        "weekday" => t!("figures-by-weekday"),
        "hour" => t!("figures-by-hour"),
        "lead" => t!("figures-by-lead"),
        "confirmed" => t!("figures-by-confirmed"),
        "reminded" => t!("figures-by-reminded"),
        "visits" => t!("figures-by-visits"),
        "patients" => t!("figures-by-patients"),
        "visits per patient" => t!("figures-by-visits-per-patient"),
        "month" => t!("figures-by-month"),
        "registered" => t!("figures-by-registered"),
        "source" => t!("figures-by-source"),
        "referring doctor" => t!("figures-by-referring-doctor"),
        "city" => t!("figures-by-city"),
        "area" => t!("figures-by-area"),
        "condition" => t!("figures-by-condition"),
        other => other.to_owned(),
    }
}

/// A group of a report in words: the report's own words translated, the clinic's data (doctors,
/// places, tags, months) as it is.
fn group(dimension: &str, key: &str) -> String {
    match (dimension, key) {
        ("all" | "visits" | "registered", "all") => t!("figures-group-all"),
        ("confirmed" | "reminded", "yes") => t!("figures-group-yes"),
        ("confirmed" | "reminded", "no") => t!("figures-group-no"),
        ("weekday", "Mon") => t!("weekday-short-0"),
        ("weekday", "Tue") => t!("weekday-short-1"),
        ("weekday", "Wed") => t!("weekday-short-2"),
        ("weekday", "Thu") => t!("weekday-short-3"),
        ("weekday", "Fri") => t!("weekday-short-4"),
        ("weekday", "Sat") => t!("weekday-short-5"),
        ("weekday", "Sun") => t!("weekday-short-6"),
        ("lead", "same day") => t!("figures-lead-same-day"),
        ("lead", "1-2 days") => t!("figures-lead-1-2"),
        ("lead", "3-7 days") => t!("figures-lead-3-7"),
        ("lead", "8+ days") => t!("figures-lead-8"),
        ("minutes", "on time or early") => t!("figures-wait-on-time"),
        ("minutes", "over 60") => t!("figures-wait-over-60"),
        ("patients", "seen") => t!("figures-group-seen"),
        ("patients", "new") => t!("figures-group-new"),
        ("patients", "returning") => t!("figures-group-returning"),
        ("registered", "came for a visit") => t!("figures-group-came"),
        ("condition", "none recorded") => t!("figures-group-none-recorded"),
        ("source" | "referring doctor" | "city" | "area", k) if k == NOT_RECORDED => t!("figures-group-not-recorded"),
        ("area", k) => match k.strip_prefix(NOT_RECORDED).and_then(|rest| rest.strip_prefix(" / ")) {
            Some(area) => format!("{} / {area}", t!("figures-group-not-recorded")),
            None => k.to_owned(),
        },
        (_, k) => k.to_owned(),
    }
}

#[component]
pub fn Figures() -> Html {
    html! {
        <section class="figures" aria-labelledby="figures-title">
            <h1 id="figures-title">{t!("figures-title")}</h1>
            <p class="hint">{t!("figures-hint")}</p>
            <SegmentBuilder />
            <Reports />
            <Campaigns />
        </section>
    }
}

/// The segment the form describes.
fn segment_from_form() -> SegmentFilter {
    let text = |id: &str| Some(input_value(id).trim().to_owned()).filter(|v| !v.is_empty());
    let number = |id: &str| input_value(id).trim().parse::<u32>().ok();
    let day = |id: &str| input_value(id).parse::<NaiveDate>().ok();
    SegmentFilter {
        tags: text("seg-tag")
            .map(|t| t.split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect())
            .unwrap_or_default(),
        min_age: number("seg-min-age"),
        max_age: number("seg-max-age"),
        sex: Some(select_value("seg-sex")).filter(|v| !v.is_empty()),
        city: text("seg-city"),
        area: None,
        last_visit_before: day("seg-before"),
        last_visit_after: day("seg-after"),
        usual_doctor: None,
        language: None,
        consent: match select_value("seg-consent").as_str() {
            "sms" => Some(Channel::Sms),
            "email" => Some(Channel::Email),
            "phone" => Some(Channel::Phone),
            _ => None,
        },
    }
}

#[component]
fn SegmentBuilder() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let size = use_state(|| None::<SegmentSize>);
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    // Answers to older keystrokes are dropped: the newest count wins.
    let asked = use_mut_ref(|| Rc::new(Cell::new(0u64)));
    let count = {
        let (size, error, desk, asked) = (size.clone(), error.clone(), desk.clone(), asked.clone());
        let notice = notice.clone();
        Callback::from(move |name: Option<String>| {
            let counter = asked.borrow().clone();
            let n = counter.get() + 1;
            counter.set(n);
            let (size, error, desk) = (size.clone(), error.clone(), desk.clone());
            let saving = name.clone();
            let notice = notice.clone();
            spawn_local(async move {
                let answer = api::segment_size(&segment_from_form(), name).await;
                if counter.get() != n {
                    return;
                }
                match answer {
                    Ok(s) => {
                        if let Some(name) = saving {
                            notice.set(Some(t!("figures-segment-saved", name = name)));
                        }
                        error.set(None);
                        size.set(Some(s));
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    {
        let count = count.clone();
        use_effect_with((), move |_| count.emit(None));
    }
    let oninput = count.reform(|_: InputEvent| None);
    let onchange = count.reform(|_: Event| None);
    let save = {
        let count = count.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = input_value("seg-name").trim().to_owned();
            if !name.is_empty() {
                count.emit(Some(name));
            }
        })
    };
    html! {
        <section class="panel" aria-labelledby="segment-title" id="segment">
            <h2 id="segment-title">{t!("figures-segment-title")}</h2>
            <div class="seg-form">
                <label>{t!("figures-segment-tags")}<input id="seg-tag" placeholder={t!("figures-segment-tags-example")} oninput={oninput.clone()} /></label>
                <label>{t!("figures-segment-age-from")}<input id="seg-min-age" type="number" min="0" max="130" oninput={oninput.clone()} /></label>
                <label>{t!("figures-segment-age-to")}<input id="seg-max-age" type="number" min="0" max="130" oninput={oninput.clone()} /></label>
                <label>{t!("figures-segment-sex")}
                    <select id="seg-sex" onchange={onchange.clone()}>
                        <option value="">{t!("figures-segment-sex-any")}</option><option value="F">{t!("figures-segment-sex-f")}</option><option value="M">{t!("figures-segment-sex-m")}</option>
                    </select>
                </label>
                <label>{t!("figures-segment-city")}<input id="seg-city" oninput={oninput.clone()} /></label>
                <label>{t!("figures-segment-after")}<input id="seg-after" type="date" onchange={onchange.clone()} /></label>
                <label>{t!("figures-segment-before")}<input id="seg-before" type="date" onchange={onchange.clone()} /></label>
                <label>{t!("figures-segment-agreed")}
                    <select id="seg-consent" onchange={onchange}>
                        <option value="">{t!("figures-segment-agreed-any")}</option><option value="sms">{t!("figures-segment-agreed-sms")}</option>
                        <option value="email">{t!("figures-segment-agreed-email")}</option><option value="phone">{t!("figures-segment-agreed-phone")}</option>
                    </select>
                </label>
            </div>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            { match (*size).clone() {
                None => html! { <p class="hint">{t!("figures-segment-counting")}</p> },
                Some(s) => html! {
                    <>
                        <p class="seg-count" role="status" aria-live="polite" id="segment-count">
                            <strong>{s.count}</strong>{" "}{t!("figures-segment-patients", count = s.count)}
                        </p>
                        if !s.sample.is_empty() {
                            <p class="hint seg-sample">{t!("figures-segment-example")}{" "}
                                {s.sample.iter().map(|p| p.full_name()).collect::<Vec<_>>().join(", ")}
                                {if s.count > s.sample.len() { "…" } else { "" }}
                            </p>
                        }
                    </>
                },
            } }
            <form class="seg-save" onsubmit={save}>
                <label>{t!("figures-segment-save-as")}<input id="seg-name" placeholder={t!("figures-segment-name-example")} maxlength="80" /></label>
                <button type="submit">{t!("figures-segment-save")}</button>
            </form>
            if let Some(message) = (*notice).clone() { <p class="notice" role="status">{message}</p> }
        </section>
    }
}

/// What one report shows.
#[derive(Clone, PartialEq)]
enum Shown {
    NoShows(Vec<NoShowRow>),
    Waiting(WaitingReport),
    Profile(ProfileReport, Vec<CountRow>),
}

/// The report the form asks for, over its days (the last 90 unless said).
fn report_form(today: NaiveDate) -> (Report, NaiveDate, NaiveDate) {
    let from = input_value("rep-from").parse::<NaiveDate>().unwrap_or(today - Duration::days(90));
    let to = input_value("rep-to").parse::<NaiveDate>().unwrap_or(today);
    (select_value("rep-which").parse().unwrap_or(Report::NoShows), from, to)
}

#[component]
fn Reports() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let today = format::local_day(format::now()).unwrap_or_default();
    let shown = use_state(|| None::<Shown>);
    let error = use_state(|| None::<String>);
    let saved = use_state(|| None::<String>);
    // The range as typed, so that a redraw keeps it.
    let from = use_state(|| (today - Duration::days(90)).to_string());
    let to = use_state(|| today.to_string());
    let load = {
        let (shown, error, saved, desk) = (shown.clone(), error.clone(), saved.clone(), desk.clone());
        Callback::from(move |_: ()| {
            let (shown, error, desk) = (shown.clone(), error.clone(), desk.clone());
            saved.set(None);
            let (which, from, to) = report_form(today);
            spawn_local(async move {
                let answer = match (which, which.profile()) {
                    (_, Some(p)) => api::profile_report(p, from, to).await.map(|rows| Shown::Profile(p, rows)),
                    (Report::Waiting, None) => api::waiting_report(from, to).await.map(Shown::Waiting),
                    _ => api::no_show_report(from, to).await.map(Shown::NoShows),
                };
                match answer {
                    Ok(s) => {
                        error.set(None);
                        shown.set(Some(s));
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    {
        let load = load.clone();
        use_effect_with((), move |_| load.emit(()));
    }
    let export = {
        let (error, saved, desk) = (error.clone(), saved.clone(), desk.clone());
        Callback::from(move |_: MouseEvent| {
            let (error, saved, desk) = (error.clone(), saved.clone(), desk.clone());
            let (which, from, to) = report_form(today);
            spawn_local(async move {
                match api::export_report(which, from, to).await {
                    Ok(path) => saved.set(Some(path)),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let onchange = load.reform(|_: Event| ());
    html! {
        <section class="panel" aria-labelledby="reports-title" id="reports">
            <h2 id="reports-title">{t!("figures-reports-title")}</h2>
            <div class="rep-form">
                <label>{t!("figures-report")}
                    <select id="rep-which" onchange={onchange.clone()}>
                        { for Report::ALL.iter().map(|r| html! { <option value={r.as_str()}>{i18n::report(*r)}</option> }) }
                    </select>
                </label>
                <label>{t!("figures-report-from")}<input id="rep-from" type="date" value={(*from).clone()} oninput={typed(&from)} onchange={onchange.clone()} /></label>
                <label>{t!("figures-report-to")}<input id="rep-to" type="date" value={(*to).clone()} oninput={typed(&to)} onchange={onchange} /></label>
                <button type="button" id="rep-export" onclick={export}
                    title={t!("figures-report-export-title")}>{t!("figures-report-export")}</button>
            </div>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            if let Some(path) = (*saved).clone() { <p class="hint" role="status" id="rep-saved">{t!("figures-report-saved", path = path)}</p> }
            { match (*shown).clone() {
                None => html! { <p class="hint">{t!("loading")}</p> },
                Some(Shown::NoShows(rows)) => no_shows(&rows),
                Some(Shown::Waiting(report)) => waiting(&report),
                Some(Shown::Profile(which, rows)) => profile(which, &rows),
            } }
        </section>
    }
}

fn no_shows(rows: &[NoShowRow]) -> Html {
    let by_doctor: Vec<Bar> =
        rows.iter().filter(|r| r.dimension == "doctor").map(|r| Bar::new(r.key.clone(), r.rate * 100.0)).collect();
    let by_lead: Vec<Bar> = rows
        .iter()
        .filter(|r| r.dimension == "lead")
        .map(|r| Bar::new(group(&r.dimension, &r.key), r.rate * 100.0))
        .collect();
    html! {
        <>
            <div class="charts">
                {chart("ns-doctor", &t!("figures-chart-no-show-doctor"), &by_doctor, "%", None, None)}
                {chart("ns-lead", &t!("figures-chart-no-show-lead"), &by_lead, "%", None, None)}
            </div>
            <table class="figures-table">
                <thead><tr><th scope="col">{t!("figures-col-by")}</th><th scope="col">{t!("figures-col-group")}</th><th scope="col">{t!("figures-col-visits")}</th><th scope="col">{t!("figures-col-missed")}</th><th scope="col">{t!("figures-col-rate")}</th></tr></thead>
                <tbody>
                    { for rows.iter().map(|r| html! {
                        <tr><td>{dimension(&r.dimension)}</td><th scope="row">{group(&r.dimension, &r.key)}</th><td>{r.visits}</td><td>{r.no_shows}</td><td>{pct(r.rate)}</td></tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

fn waiting(report: &WaitingReport) -> Html {
    let bars: Vec<Bar> = report.rows.iter().map(|r| Bar::new(group(&r.dimension, &r.key), r.share * 100.0)).collect();
    let spread: Vec<Bar> =
        report.distribution.iter().map(|b| Bar::new(group("minutes", &b.minutes), f64::from(b.visits))).collect();
    let standard = t!("figures-chart-wait-standard");
    // After each count: " visits".
    let visits = format!(" {}", t!("figures-chart-unit-visits"));
    html! {
        <>
            <div class="charts">
                {chart("wait-share", &t!("figures-chart-wait-share"), &bars, "%", Some(100.0), Some((WAIT_STANDARD * 100.0, standard.as_str())))}
                {chart("wait-spread", &t!("figures-chart-wait-spread"), &spread, &visits, None, None)}
            </div>
            <table class="figures-table">
                <thead><tr><th scope="col">{t!("figures-col-who")}</th><th scope="col">{t!("figures-col-seen")}</th><th scope="col">{t!("figures-col-within")}</th><th scope="col">{t!("figures-col-median")}</th><th scope="col">{t!("figures-col-p90")}</th><th scope="col">{t!("figures-col-standard")}</th></tr></thead>
                <tbody>
                    { for report.rows.iter().map(|r| html! {
                        <tr><th scope="row">{group(&r.dimension, &r.key)}</th><td>{r.visits}</td><td>{pct(r.share)}</td>
                            <td>{t!("minutes", minutes = r.median_minutes)}</td><td>{t!("minutes", minutes = r.p90_minutes)}</td>
                            <td>{if r.meets_standard { t!("figures-standard-met") } else { t!("figures-standard-below") }}</td></tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

fn profile(which: ProfileReport, rows: &[CountRow]) -> Html {
    let charted = match which {
        ProfileReport::Visits => "month",
        ProfileReport::Referrals => "source",
        ProfileReport::Geography => "city",
        ProfileReport::Conditions => "condition",
    };
    let bars: Vec<Bar> = rows
        .iter()
        .filter(|r| r.dimension == charted)
        .take(12)
        .map(|r| Bar::new(group(&r.dimension, &r.key), f64::from(r.count)))
        .collect();
    let title = i18n::report(match which {
        ProfileReport::Visits => Report::Visits,
        ProfileReport::Referrals => Report::Referrals,
        ProfileReport::Geography => Report::Geography,
        ProfileReport::Conditions => Report::Conditions,
    });
    html! {
        <>
            <div class="charts">{chart("profile", &title, &bars, "", None, None)}</div>
            <table class="figures-table">
                <thead><tr><th scope="col">{t!("figures-col-by")}</th><th scope="col">{t!("figures-col-group")}</th><th scope="col">{t!("figures-col-count")}</th><th scope="col">{t!("figures-col-share")}</th></tr></thead>
                <tbody>
                    { for rows.iter().map(|r| html! {
                        <tr><td>{dimension(&r.dimension)}</td><th scope="row">{group(&r.dimension, &r.key)}</th><td>{r.count}</td><td>{pct(r.share)}</td></tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

#[component]
fn Campaigns() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let campaigns = use_state(|| None::<Vec<CampaignView>>);
    let surveys = use_state(|| None::<SurveyResults>);
    let error = use_state(|| None::<String>);
    // Counts the changes made here (a campaign set up, paused, resumed): each reloads the list.
    let changed = use_state(|| 0_u32);
    let said = use_state(|| None::<String>);
    {
        let (campaigns, surveys, error, desk) = (campaigns.clone(), surveys.clone(), error.clone(), desk.clone());
        use_effect_with(*changed, move |_| {
            spawn_local(async move {
                match api::campaigns().await {
                    Ok(c) => campaigns.set(Some(c)),
                    Err(e) => error.set(desk.message(e)),
                }
                match api::survey_results().await {
                    Ok(s) => surveys.set(Some(s)),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        });
    }
    let today = format::local_day(format::now()).unwrap_or_default();
    html! {
        <>
            <section class="panel" aria-labelledby="campaigns-title" id="campaigns">
                <h2 id="campaigns-title">{t!("figures-campaigns-title")}</h2>
                if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
                if let Some(message) = (*said).clone() { <p class="hint" role="status" id="camp-said">{message}</p> }
                { match (*campaigns).clone() {
                    None => html! { <p class="hint">{t!("loading")}</p> },
                    Some(c) if c.is_empty() => html! { <p class="empty">{t!("figures-campaigns-none")}</p> },
                    Some(c) => html! {
                        <table class="figures-table">
                            <thead><tr><th scope="col">{t!("figures-col-campaign")}</th><th scope="col">{t!("figures-col-sends")}</th><th scope="col">{t!("figures-col-state")}</th>
                                <th scope="col">{t!("figures-col-sent")}</th><th scope="col">{t!("figures-col-held-out")}</th><th scope="col">{t!("figures-col-booked-sent")}</th>
                                <th scope="col">{t!("figures-col-booked-held-out")}</th><th scope="col">{t!("figures-col-lift")}</th><th scope="col">{t!("figures-col-cost")}</th>
                                <th scope="col"><span class="sr-only">{t!("figures-col-pause")}</span></th></tr></thead>
                            <tbody>
                                { for c.iter().map(|v| {
                                    let f = v.result.as_ref().map(|r| r.figures.clone()).unwrap_or_default();
                                    let ran = v.result.as_ref().is_some_and(|r| r.ran_at.is_some());
                                    let state = if v.campaign.paused {
                                        t!("figures-state-paused")
                                    } else if ran {
                                        t!("figures-state-ran")
                                    } else {
                                        t!("figures-state-waiting")
                                    };
                                    // Before the draw, the share that will be held out.
                                    let held_out = if ran { f.holdout.to_string() } else { format!("{}%", v.campaign.holdout_pct) };
                                    html! {
                                        <tr><th scope="row">{v.campaign.name.clone()}</th><td>{format::when(v.campaign.send_at, today)}</td><td>{state}</td>
                                            <td>{f.sent}</td><td>{held_out}</td><td>{f.booked_sent}</td><td>{f.booked_holdout}</td>
                                            <td>{f.lift.map_or("–".to_owned(), |l| t!("figures-lift", points = format!("{l:+.1}")))}</td>
                                            <td>{f.cost_per_booking.map_or("–".to_owned(), |c| format!("{c:.2}"))}</td>
                                            <td>{ pause_button(v, &changed, &said, &error, &desk) }</td></tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    },
                } }
                <NewCampaign on_done={
                    let (changed, said) = (changed.clone(), said.clone());
                    Callback::from(move |message: String| {
                        said.set(Some(message));
                        changed.set(*changed + 1);
                    })
                } />
            </section>
            <section class="panel" aria-labelledby="surveys-title" id="surveys">
                <h2 id="surveys-title">{t!("figures-surveys-title")}</h2>
                <SurveySetup />
                { match (*surveys).clone() {
                    None => html! { <p class="hint">{t!("loading")}</p> },
                    Some(s) if s.scores.is_empty() => html! { <p class="empty">{t!("figures-surveys-none")}</p> },
                    Some(s) => html! {
                        <table class="figures-table">
                            <thead><tr><th scope="col">{t!("figures-col-doctor")}</th><th scope="col">{t!("figures-col-month")}</th><th scope="col">{t!("figures-col-answers")}</th><th scope="col">{t!("figures-col-rating")}</th><th scope="col">{t!("figures-col-nps")}</th></tr></thead>
                            <tbody>
                                { for s.scores.iter().map(|r| html! {
                                    <tr><th scope="row">{r.doctor.clone()}</th><td>{r.month.clone()}</td><td>{r.answers}</td>
                                        <td>{r.average_rating.map_or("–".to_owned(), |a| format!("{a:.2}"))}</td>
                                        <td>{r.nps.map_or("–".to_owned(), |n| format!("{n:+.0}"))}</td></tr>
                                }) }
                            </tbody>
                        </table>
                    },
                } }
            </section>
        </>
    }
}

/// Pauses a campaign whose texts wait, or resumes a paused one (not once its window closed).
fn pause_button(
    v: &CampaignView,
    changed: &UseStateHandle<u32>,
    said: &UseStateHandle<Option<String>>,
    error: &UseStateHandle<Option<String>>,
    desk: &Desk,
) -> Html {
    if v.result.as_ref().is_some_and(|r| r.figures.window_closed) {
        return html! {};
    }
    let (name, paused) = (v.campaign.name.clone(), v.campaign.paused);
    let onclick = {
        let (changed, said, error, desk, name) =
            (changed.clone(), said.clone(), error.clone(), desk.clone(), name.clone());
        Callback::from(move |_: MouseEvent| {
            let (changed, said, error, desk, name) =
                (changed.clone(), said.clone(), error.clone(), desk.clone(), name.clone());
            spawn_local(async move {
                match api::pause_campaign(name.clone(), !paused).await {
                    Ok(_) => {
                        let done = if paused {
                            t!("figures-campaign-resumed", name = name.as_str())
                        } else {
                            t!("figures-campaign-paused", name = name.as_str())
                        };
                        said.set(Some(done));
                        changed.set(*changed + 1);
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let (label, named) = if paused {
        (t!("figures-resume"), t!("figures-resume-name", name = name.as_str()))
    } else {
        (t!("figures-pause"), t!("figures-pause-name", name = name.as_str()))
    };
    html! { <button type="button" class="small" {onclick} aria-label={named}>{label}</button> }
}

/// A campaign's holdout share and response window until the manager says otherwise.
const DEFAULT_HOLDOUT: &str = "10";
const DEFAULT_WINDOW: &str = "30";

/// Keeps what is typed into a field in `state`.
fn typed(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
            state.set(input.value());
        }
    })
}

#[derive(Properties, PartialEq)]
struct NewCampaignProps {
    /// Told what was set up, in words.
    on_done: Callback<String>,
}

/// Setting up a campaign: a saved segment, a text, a channel, a holdout, a response window, a
/// cost per message and a send time (now unless said). Head office runs it at that time.
#[component]
fn NewCampaign(props: &NewCampaignProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    // Only a real change redraws the form (a redraw puts back the value of a field it sets).
    let segments = use_state_eq(Vec::<SavedSegment>::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let form = use_node_ref();
    // The fields with a starting value are held here, so that no redraw undoes what was typed.
    let holdout = use_state(|| DEFAULT_HOLDOUT.to_owned());
    let window = use_state(|| DEFAULT_WINDOW.to_owned());
    // Read again whenever the form is entered: a segment may have been saved above since.
    let load_segments = {
        let (segments, error, desk) = (segments.clone(), error.clone(), desk.clone());
        Callback::from(move |_: ()| {
            let (segments, error, desk) = (segments.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match api::segments().await {
                    Ok(found) => segments.set(found),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    {
        let load = load_segments.clone();
        use_effect_with((), move |_| load.emit(()));
    }
    let onsubmit = {
        let (error, busy, desk, on_done, form) =
            (error.clone(), busy.clone(), desk.clone(), props.on_done.clone(), form.clone());
        let (holdout, window) = (holdout.clone(), window.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let cost = input_value("camp-cost");
            let cost_millis = match cost.trim() {
                "" => None,
                c => match parse_cost(c) {
                    Ok(m) => Some(m),
                    Err(message) => {
                        error.set(Some(message));
                        return;
                    }
                },
            };
            let send = input_value("camp-send");
            let send_at = match send.trim() {
                "" => None,
                s => match NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
                    Ok(t) => Some(t),
                    Err(_) => {
                        error.set(Some(t!("figures-new-send-time-wrong")));
                        return;
                    }
                },
            };
            let args = CampaignArgs {
                name: input_value("camp-name"),
                segment: select_value("camp-segment"),
                template: select_value("camp-template"),
                channel: if select_value("camp-channel") == "email" { Channel::Email } else { Channel::Sms },
                holdout_pct: holdout.trim().parse().unwrap_or(u32::MAX),
                window_days: window.trim().parse().unwrap_or(0),
                cost_millis,
                send_at,
            };
            busy.set(true);
            let (error, busy, desk, on_done, form) =
                (error.clone(), busy.clone(), desk.clone(), on_done.clone(), form.clone());
            let (holdout, window) = (holdout.clone(), window.clone());
            spawn_local(async move {
                match api::create_campaign(&args).await {
                    Ok(v) => {
                        error.set(None);
                        // Emptied for the next one: what was set up is in the list above.
                        if let Some(f) = form.cast::<web_sys::HtmlFormElement>() {
                            f.reset();
                        }
                        holdout.set(DEFAULT_HOLDOUT.to_owned());
                        window.set(DEFAULT_WINDOW.to_owned());
                        on_done.emit(t!("figures-new-done", name = v.campaign.name.as_str()));
                    }
                    Err(e) => error.set(desk.message(e)),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <form class="camp-form" id="camp-form" ref={form} {onsubmit} aria-labelledby="camp-form-title"
            onfocusin={load_segments.reform(|_: FocusEvent| ())}>
            <h3 id="camp-form-title">{t!("figures-new-title")}</h3>
            if segments.is_empty() {
                <p class="hint">{t!("figures-new-no-segment")}</p>
            }
            <label>{t!("figures-new-name")}<input id="camp-name" type="text" maxlength="80" required=true /></label>
            <label>{t!("figures-new-segment")}
                <select id="camp-segment" required=true>
                    { for segments.iter().map(|s| html! { <option value={s.name.clone()}>{s.name.clone()}</option> }) }
                </select>
            </label>
            <label>{t!("figures-new-message")}
                <select id="camp-template">
                    <option value="campaign">{t!("figures-new-text-campaign")}</option>
                    <option value="recall">{t!("figures-new-text-recall")}</option>
                    <option value="birthday">{t!("figures-new-text-birthday")}</option>
                </select>
            </label>
            <label>{t!("figures-new-channel")}
                <select id="camp-channel"><option value="sms">{t!("figures-new-channel-sms")}</option><option value="email">{t!("figures-new-channel-email")}</option></select>
            </label>
            <label>{t!("figures-new-holdout")}<input id="camp-holdout" type="number" min="0" max={MAX_HOLDOUT_PCT.to_string()}
                value={(*holdout).clone()} oninput={typed(&holdout)} /></label>
            <label>{t!("figures-new-window")}<input id="camp-window" type="number" min="1" max={MAX_WINDOW_DAYS.to_string()}
                value={(*window).clone()} oninput={typed(&window)} /></label>
            <label>{t!("figures-new-cost")}<input id="camp-cost" type="text" inputmode="decimal" placeholder="0.25" /></label>
            <label>{t!("figures-new-send-at")}<input id="camp-send" type="datetime-local" title={t!("figures-new-send-at-title")} /></label>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            <button type="submit" id="camp-create" disabled={*busy || segments.is_empty()}>{t!("figures-new-create")}</button>
        </form>
    }
}

/// Whether patients get a survey after a visit, how long after, and after whose visits.
#[component]
fn SurveySetup() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let settings = use_state(|| None::<SurveySettings>);
    let doctors = use_doctors(None, None);
    let said = use_state(|| None::<Result<String, String>>);
    {
        let (settings, said, desk) = (settings.clone(), said.clone(), desk.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match api::survey_settings().await {
                    Ok(s) => settings.set(Some(s)),
                    Err(e) => said.set(desk.message(e).map(Err)),
                }
            });
        });
    }
    let Some(current) = (*settings).clone() else { return html! {} };
    let onsubmit = {
        let (settings, doctors, said, desk) = (settings.clone(), doctors.clone(), said.clone(), desk.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let chosen = doctors.iter().filter(|d| checked(&format!("srv-dr-{}", d.id))).map(|d| d.id).collect();
            let Ok(delay) = input_value("srv-delay").trim().parse::<u32>() else {
                said.set(Some(Err(t!("figures-survey-delay-wrong"))));
                return;
            };
            let edit =
                SurveyEdit { after_visit: Some(checked("srv-on")), delay_hours: Some(delay), doctors: Some(chosen) };
            let (settings, said, desk) = (settings.clone(), said.clone(), desk.clone());
            spawn_local(async move {
                match api::set_survey_settings(&edit).await {
                    Ok(s) => {
                        let what =
                            if s.after_visit { t!("figures-survey-now-on") } else { t!("figures-survey-now-off") };
                        said.set(Some(Ok(what)));
                        settings.set(Some(s));
                    }
                    Err(e) => said.set(desk.message(e).map(Err)),
                }
            });
        })
    };
    html! {
        <form class="srv-form" id="srv-form" {onsubmit} aria-labelledby="srv-form-title">
            <h3 id="srv-form-title">{t!("figures-survey-title")}</h3>
            <label class="check"><input id="srv-on" type="checkbox" checked={current.after_visit} />
                {t!("figures-survey-on")}</label>
            <label>{t!("figures-survey-delay")}<input id="srv-delay" type="number" min="0" max={MAX_SURVEY_DELAY_HOURS.to_string()} value={current.delay_hours.to_string()} /></label>
            <fieldset>
                <legend>{t!("figures-survey-doctors")}</legend>
                { for doctors.iter().map(|d| {
                    let id = format!("srv-dr-{}", d.id);
                    html! { <label class="check"><input id={id} type="checkbox" checked={current.doctors.contains(&d.id)} />{d.name.clone()}</label> }
                }) }
            </fieldset>
            { match (*said).clone() {
                Some(Ok(m)) => html! { <p class="hint" role="status" id="srv-said">{m}</p> },
                Some(Err(m)) => html! { <p class="error" role="alert">{m}</p> },
                None => html! {},
            } }
            <button type="submit" id="srv-save">{t!("figures-survey-save")}</button>
        </form>
    }
}
