//! A manager's figures, from this desk's data (offline): who is in a segment as the conditions
//! are typed (with a few names to recognise it by, and saving it for campaigns), the clinic's
//! reports over a range of days with their charts, the campaigns head office ran and what came of
//! them, and what patients said in surveys.

use std::cell::Cell;
use std::rc::Rc;

use chrono::{Duration, NaiveDate};
use rapport_charts::{Bar, BarChart};
use rapport_model::Channel;
use rapport_model::campaigns::CampaignView;
use rapport_model::reports::{CountRow, NoShowRow, ProfileReport, WAIT_STANDARD, WaitingReport};
use rapport_model::segments::{SegmentFilter, SegmentSize};
use rapport_model::surveys::SurveyResults;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::app::Desk;
use crate::dom::{input_value, select_value};
use crate::format;

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

#[component]
pub fn Figures() -> Html {
    html! {
        <section class="figures" aria-labelledby="figures-title">
            <h1 id="figures-title">{"Figures"}</h1>
            <p class="hint">{"From this desk's data, offline. Head office sees every clinic's."}</p>
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
                            notice.set(Some(format!("Saved as “{name}”: campaigns can use it.")));
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
            <h2 id="segment-title">{"Who: a segment"}</h2>
            <div class="seg-form">
                <label>{"Condition tags"}<input id="seg-tag" placeholder="diabetes, asthma" oninput={oninput.clone()} /></label>
                <label>{"Age from"}<input id="seg-min-age" type="number" min="0" max="130" oninput={oninput.clone()} /></label>
                <label>{"to"}<input id="seg-max-age" type="number" min="0" max="130" oninput={oninput.clone()} /></label>
                <label>{"Sex"}
                    <select id="seg-sex" onchange={onchange.clone()}>
                        <option value="">{"any"}</option><option value="F">{"F"}</option><option value="M">{"M"}</option>
                    </select>
                </label>
                <label>{"City"}<input id="seg-city" oninput={oninput.clone()} /></label>
                <label>{"Last visit after"}<input id="seg-after" type="date" onchange={onchange.clone()} /></label>
                <label>{"Last visit before"}<input id="seg-before" type="date" onchange={onchange.clone()} /></label>
                <label>{"Agreed to"}
                    <select id="seg-consent" onchange={onchange}>
                        <option value="">{"anything"}</option><option value="sms">{"texts"}</option>
                        <option value="email">{"email"}</option><option value="phone">{"calls"}</option>
                    </select>
                </label>
            </div>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            { match (*size).clone() {
                None => html! { <p class="hint">{"Counting…"}</p> },
                Some(s) => html! {
                    <>
                        <p class="seg-count" role="status" aria-live="polite" id="segment-count">
                            <strong>{s.count}</strong>{if s.count == 1 { " patient" } else { " patients" }}
                        </p>
                        if !s.sample.is_empty() {
                            <p class="hint seg-sample">{"For example: "}
                                {s.sample.iter().map(|p| p.full_name()).collect::<Vec<_>>().join(", ")}
                                {if s.count > s.sample.len() { "…" } else { "" }}
                            </p>
                        }
                    </>
                },
            } }
            <form class="seg-save" onsubmit={save}>
                <label>{"Save as"}<input id="seg-name" placeholder="Diabetics 40+" maxlength="80" /></label>
                <button type="submit">{"Save segment"}</button>
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

#[component]
fn Reports() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let today = format::local_day(format::now()).unwrap_or_default();
    let shown = use_state(|| None::<Shown>);
    let error = use_state(|| None::<String>);
    let load = {
        let (shown, error, desk) = (shown.clone(), error.clone(), desk.clone());
        Callback::from(move |_: ()| {
            let (shown, error, desk) = (shown.clone(), error.clone(), desk.clone());
            let from = input_value("rep-from").parse::<NaiveDate>().unwrap_or(today - Duration::days(90));
            let to = input_value("rep-to").parse::<NaiveDate>().unwrap_or(today);
            let which = select_value("rep-which");
            spawn_local(async move {
                let answer = match which.as_str() {
                    "waiting" => api::waiting_report(from, to).await.map(Shown::Waiting),
                    "no-shows" | "" => api::no_show_report(from, to).await.map(Shown::NoShows),
                    other => match other.parse::<ProfileReport>() {
                        Ok(p) => api::profile_report(p, from, to).await.map(|rows| Shown::Profile(p, rows)),
                        Err(e) => {
                            error.set(Some(e));
                            return;
                        }
                    },
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
    let onchange = load.reform(|_: Event| ());
    html! {
        <section class="panel" aria-labelledby="reports-title" id="reports">
            <h2 id="reports-title">{"Reports"}</h2>
            <div class="rep-form">
                <label>{"Report"}
                    <select id="rep-which" onchange={onchange.clone()}>
                        <option value="no-shows">{"No-shows"}</option>
                        <option value="waiting">{"Waiting time"}</option>
                        { for ProfileReport::ALL.iter().map(|p| html! { <option value={p.as_str()}>{p.label()}</option> }) }
                    </select>
                </label>
                <label>{"From"}<input id="rep-from" type="date" value={(today - Duration::days(90)).to_string()} onchange={onchange.clone()} /></label>
                <label>{"To"}<input id="rep-to" type="date" value={today.to_string()} onchange={onchange} /></label>
            </div>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            { match (*shown).clone() {
                None => html! { <p class="hint">{"Loading…"}</p> },
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
    let by_lead: Vec<Bar> =
        rows.iter().filter(|r| r.dimension == "lead").map(|r| Bar::new(r.key.clone(), r.rate * 100.0)).collect();
    html! {
        <>
            <div class="charts">
                {chart("ns-doctor", "No-show rate by doctor", &by_doctor, "%", None, None)}
                {chart("ns-lead", "No-show rate by how long before it was booked", &by_lead, "%", None, None)}
            </div>
            <table class="figures-table">
                <thead><tr><th scope="col">{"By"}</th><th scope="col">{"Group"}</th><th scope="col">{"Visits"}</th><th scope="col">{"Missed"}</th><th scope="col">{"Rate"}</th></tr></thead>
                <tbody>
                    { for rows.iter().map(|r| html! {
                        <tr><td>{r.dimension.clone()}</td><th scope="row">{r.key.clone()}</th><td>{r.visits}</td><td>{r.no_shows}</td><td>{pct(r.rate)}</td></tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

fn waiting(report: &WaitingReport) -> Html {
    let bars: Vec<Bar> = report.rows.iter().map(|r| Bar::new(r.key.clone(), r.share * 100.0)).collect();
    let spread: Vec<Bar> =
        report.distribution.iter().map(|b| Bar::new(b.minutes.clone(), f64::from(b.visits))).collect();
    html! {
        <>
            <div class="charts">
                {chart("wait-share", "Seen within 30 minutes", &bars, "%", Some(100.0), Some((WAIT_STANDARD * 100.0, "the 90% standard")))}
                {chart("wait-spread", "How late patients were seen (minutes)", &spread, " visits", None, None)}
            </div>
            <table class="figures-table">
                <thead><tr><th scope="col">{"Who"}</th><th scope="col">{"Seen"}</th><th scope="col">{"Within 30 min"}</th><th scope="col">{"Median"}</th><th scope="col">{"90th percentile"}</th><th scope="col">{"Standard"}</th></tr></thead>
                <tbody>
                    { for report.rows.iter().map(|r| html! {
                        <tr><th scope="row">{r.key.clone()}</th><td>{r.visits}</td><td>{pct(r.share)}</td>
                            <td>{format!("{} min", r.median_minutes)}</td><td>{format!("{} min", r.p90_minutes)}</td>
                            <td>{if r.meets_standard { "met" } else { "below" }}</td></tr>
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
        .map(|r| Bar::new(r.key.clone(), f64::from(r.count)))
        .collect();
    html! {
        <>
            <div class="charts">{chart("profile", which.label(), &bars, "", None, None)}</div>
            <table class="figures-table">
                <thead><tr><th scope="col">{"By"}</th><th scope="col">{"Group"}</th><th scope="col">{"Count"}</th><th scope="col">{"Share"}</th></tr></thead>
                <tbody>
                    { for rows.iter().map(|r| html! {
                        <tr><td>{r.dimension.clone()}</td><th scope="row">{r.key.clone()}</th><td>{r.count}</td><td>{pct(r.share)}</td></tr>
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
    {
        let (campaigns, surveys, error, desk) = (campaigns.clone(), surveys.clone(), error.clone(), desk.clone());
        use_effect_with((), move |_| {
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
                <h2 id="campaigns-title">{"Campaigns"}</h2>
                if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
                { match (*campaigns).clone() {
                    None => html! { <p class="hint">{"Loading…"}</p> },
                    Some(c) if c.is_empty() => html! { <p class="empty">{"No campaigns yet. Save a segment, then set one up: rapport campaign create."}</p> },
                    Some(c) => html! {
                        <table class="figures-table">
                            <thead><tr><th scope="col">{"Campaign"}</th><th scope="col">{"Sends"}</th><th scope="col">{"State"}</th>
                                <th scope="col">{"Sent"}</th><th scope="col">{"Held out"}</th><th scope="col">{"Booked (sent)"}</th>
                                <th scope="col">{"Booked (held out)"}</th><th scope="col">{"Lift"}</th><th scope="col">{"Cost per booking"}</th></tr></thead>
                            <tbody>
                                { for c.iter().map(|v| {
                                    let f = v.result.as_ref().map(|r| r.figures.clone()).unwrap_or_default();
                                    let state = if v.campaign.paused { "paused" } else if v.result.as_ref().is_some_and(|r| r.ran_at.is_some()) { "ran" } else { "waiting" };
                                    html! {
                                        <tr><th scope="row">{v.campaign.name.clone()}</th><td>{format::when(v.campaign.send_at, today)}</td><td>{state}</td>
                                            <td>{f.sent}</td><td>{f.holdout}</td><td>{f.booked_sent}</td><td>{f.booked_holdout}</td>
                                            <td>{f.lift.map_or("–".to_owned(), |l| format!("{l:+.1} pts"))}</td>
                                            <td>{f.cost_per_booking.map_or("–".to_owned(), |c| format!("{c:.2}"))}</td></tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    },
                } }
            </section>
            <section class="panel" aria-labelledby="surveys-title" id="surveys">
                <h2 id="surveys-title">{"What patients said"}</h2>
                { match (*surveys).clone() {
                    None => html! { <p class="hint">{"Loading…"}</p> },
                    Some(s) if s.scores.is_empty() => html! { <p class="empty">{"No survey answers yet."}</p> },
                    Some(s) => html! {
                        <table class="figures-table">
                            <thead><tr><th scope="col">{"Doctor"}</th><th scope="col">{"Month"}</th><th scope="col">{"Answers"}</th><th scope="col">{"Rating"}</th><th scope="col">{"NPS"}</th></tr></thead>
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
