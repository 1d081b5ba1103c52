//! A manager's records: a file from another system checked (the dry-run table: what would be
//! created, updated, flagged, refused) and imported, with its progress; the records saved for
//! another system (CSV or a FHIR bundle, in the Downloads folder); the duplicate review
//! queue (pairs of held patients who may be one person, best match first, with why) and the
//! merge, the two records side by side with a choice for each field where they differ; a merge
//! can be undone from here or from the card; who opened restricted records, when and why.

use std::collections::BTreeMap;

use gloo_timers::callback::Interval;
use rapport_model::duplicates::Band;
use rapport_model::ipc::{ImportFileArgs, ImportProgressView, ImportReport, MergeArgs, RecordsFile, SavedFile};
use rapport_model::merge::{PatientMerge, Side};
use rapport_model::view::{BreakGlassEntry, DuplicatePair, MergePreview, PatientHit};
use rapport_model::{Patient, PatientId};
use serde_json::Value;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::dom::select_value;
use crate::{api, format, i18n, t};

#[component]
pub fn Records() -> Html {
    html! {
        <section class="records" aria-labelledby="records-title">
            <h1 id="records-title">{t!("records-title")}</h1>
            <ImportFile />
            <ExportFile />
            <DuplicateQueue />
            <BreakGlassLog />
        </section>
    }
}

/// A merge just made, or just undone.
#[derive(Clone, PartialEq)]
enum Done {
    Merged(PatientMerge, String),
    Undone(String),
}

#[component]
fn DuplicateQueue() -> Html {
    let band = use_state(|| Band::Probable);
    let pairs = use_state(|| None::<Result<Vec<DuplicatePair>, String>>);
    let reviewing = use_state(|| None::<(PatientId, PatientId)>);
    let done = use_state(|| None::<Done>);
    // Raised after a merge or its undoing: the queue is read again.
    let generation = use_state(|| 0u32);
    {
        let pairs = pairs.clone();
        use_effect_with((*band, *generation), move |(band, _)| {
            let band = *band;
            pairs.set(None);
            spawn_local(async move {
                pairs.set(Some(api::duplicate_pairs(band).await.map_err(|e| crate::i18n::refusal(&e))))
            });
        });
    }
    let on_band = {
        let band = band.clone();
        Callback::from(move |_: Event| {
            if let Ok(b) = select_value("dup-band").parse() {
                band.set(b);
            }
        })
    };
    let on_done = {
        let (reviewing, done, generation) = (reviewing.clone(), done.clone(), generation.clone());
        Callback::from(move |d: Done| {
            reviewing.set(None);
            done.set(Some(d));
            generation.set(*generation + 1);
        })
    };
    let undo = {
        let on_done = on_done.clone();
        Callback::from(move |merge: PatientMerge| {
            let on_done = on_done.clone();
            spawn_local(async move {
                let said = match api::unmerge_patients(merge.id).await {
                    Ok(_) => t!("records-unmerged"),
                    Err(e) => t!("records-not-undone", why = crate::i18n::refusal(&e)),
                };
                on_done.emit(Done::Undone(said));
            });
        })
    };
    let on_cancel = {
        let reviewing = reviewing.clone();
        Callback::from(move |()| reviewing.set(None))
    };
    html! {
        <section id="duplicates-queue" aria-labelledby="dup-title">
            <h2 id="dup-title">{t!("records-dup-title")}</h2>
            <p class="hint">{t!("records-dup-hint")}</p>
            <label>{t!("records-dup-show")}{" "}
                <select id="dup-band" onchange={on_band}>
                    <option value="certain" selected={*band == Band::Certain}>{t!("records-dup-certain")}</option>
                    <option value="probable" selected={*band == Band::Probable}>{t!("records-dup-probable")}</option>
                    <option value="possible" selected={*band == Band::Possible}>{t!("records-dup-possible")}</option>
                </select>
            </label>
            { match (*done).clone() {
                Some(Done::Merged(m, said)) => {
                    let undo = undo.clone();
                    html! {
                        <p class="notice" role="status" id="merge-done">{said}{" "}
                            <button type="button" id="merge-undo" onclick={move |_| undo.emit(m.clone())}>{t!("records-undo")}</button>
                        </p>
                    }
                }
                Some(Done::Undone(said)) => html! { <p class="notice" role="status" id="merge-done">{said}</p> },
                None => html! {},
            } }
            if let Some((keep, other)) = *reviewing {
                <MergeReview {keep} {other} on_done={on_done.clone()} on_cancel={on_cancel.clone()} />
            }
            { match &*pairs {
                None => html! { <p class="hint">{t!("records-comparing")}</p> },
                Some(Err(message)) => html! { <p class="error" role="alert">{message.clone()}</p> },
                Some(Ok(list)) if list.is_empty() => html! {
                    <p class="hint" id="dup-none">{t!("records-dup-none")}</p>
                },
                Some(Ok(list)) => html! {
                    <table id="dup-queue">
                        <thead><tr><th scope="col">{t!("records-col-match")}</th><th scope="col">{t!("records-col-one")}</th>
                            <th scope="col">{t!("records-col-other")}</th><th scope="col">{t!("records-col-why")}</th><th></th></tr></thead>
                        <tbody>
                            { for list.iter().map(|p| {
                                let reviewing = reviewing.clone();
                                let (a, b) = (p.a.id, p.b.id);
                                html! {
                                    <tr data-band={p.likeness.band.as_str()}>
                                        <td><span class={classes!("band", p.likeness.band.as_str())}>{band_word(p.likeness.band)}</span>
                                            <span class="hint">{format!(" {}", p.likeness.score)}</span></td>
                                        <td>{hit(&p.a)}</td>
                                        <td>{hit(&p.b)}</td>
                                        <td>{p.likeness.reasons.iter().map(|r| i18n::likeness(*r)).collect::<Vec<_>>().join(", ")}</td>
                                        <td><button type="button" class="review" onclick={move |_| reviewing.set(Some((a, b)))}>{t!("records-review")}</button></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
        </section>
    }
}

/// How sure a match is, in words.
fn band_word(b: Band) -> String {
    match b {
        Band::Certain => t!("records-band-certain"),
        Band::Probable => t!("records-band-probable"),
        Band::Possible => t!("records-band-possible"),
    }
}

fn hit(h: &PatientHit) -> Html {
    html! {
        <div>
            <strong>{h.full_name()}</strong>
            <div class="hint">
                {h.record_no.clone()}
                {h.birth_date.map(|d| format!(" · {}", format::birth(d))).unwrap_or_default()}
                {h.phone.clone().map(|p| format!(" · {p}")).unwrap_or_default()}
            </div>
        </div>
    }
}

/// A field's value as a person reads it.
fn shown(v: &Value) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::String(s) if s.trim().is_empty() => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => {
            if *b {
                t!("records-yes")
            } else {
                t!("records-no")
            }
        }
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        // Consent: the channels allowed.
        Value::Object(m) => {
            let on: Vec<String> =
                m.iter().filter(|(_, v)| v.as_bool() == Some(true)).map(|(k, _)| consent(k)).collect();
            if on.is_empty() { t!("none") } else { on.join(", ") }
        }
    }
}

/// A consent's channel (or its opt-out), as the merge shows it.
fn consent(key: &str) -> String {
    match key {
        "sms" => t!("records-consent-sms"),
        "email" => t!("records-consent-email"),
        "phone" => t!("records-consent-phone"),
        "opted_out" => t!("records-consent-opted-out"),
        other => other.replace('_', " "),
    }
}

/// A patient field's name, as the merge shows it.
fn label(field: &str) -> String {
    match field {
        "given" => t!("records-field-given"),
        "family" => t!("records-field-family"),
        "preferred" => t!("records-field-preferred"),
        "pronunciation" => t!("records-field-pronunciation"),
        "birth_date" => t!("records-field-birth-date"),
        "birth_year" => t!("records-field-birth-year"),
        "sex" => t!("records-field-sex"),
        "gender" => t!("records-field-gender"),
        "language" => t!("records-field-language"),
        "email" => t!("records-field-email"),
        "address" => t!("records-field-address"),
        "city" => t!("records-field-city"),
        "area" => t!("records-field-area"),
        "consent" => t!("records-field-consent"),
        "referral_source" => t!("records-field-referral-source"),
        "referring_doctor" => t!("records-field-referring-doctor"),
        "usual_doctor" => t!("records-field-usual-doctor"),
        // A field this screen does not name: its name made readable.
        _ => {
            let words = field.replace('_', " ");
            let mut chars = words.chars();
            chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
        }
    }
}

#[derive(Properties, PartialEq)]
struct ReviewProps {
    keep: PatientId,
    other: PatientId,
    on_done: Callback<Done>,
    on_cancel: Callback<()>,
}

#[component]
fn MergeReview(props: &ReviewProps) -> Html {
    let swapped = use_state(|| false);
    let (keep, other) = if *swapped { (props.other, props.keep) } else { (props.keep, props.other) };
    let preview = use_state(|| None::<Result<MergePreview, String>>);
    let choices = use_state(BTreeMap::<String, Side>::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    {
        let (preview, choices) = (preview.clone(), choices.clone());
        use_effect_with((keep, other), move |&(keep, other)| {
            preview.set(None);
            spawn_local(async move {
                let got = api::merge_preview(keep, other).await.map_err(|e| crate::i18n::refusal(&e));
                if let Ok(p) = &got {
                    choices.set(p.differences.iter().map(|d| (d.field.clone(), d.default)).collect());
                }
                preview.set(Some(got));
            });
        });
    }
    let merge = {
        let (choices, busy, error, on_done) = (choices.clone(), busy.clone(), error.clone(), props.on_done.clone());
        let names = match &*preview {
            Some(Ok(p)) => Some((p.keep.full_name(), p.other.full_name())),
            _ => None,
        };
        Callback::from(move |_: MouseEvent| {
            // A double click merges once: the second finds the button busy.
            if *busy {
                return;
            }
            busy.set(true);
            let args = MergeArgs { keep, other, choices: (*choices).clone() };
            let (busy, error, on_done, names) = (busy.clone(), error.clone(), on_done.clone(), names.clone());
            spawn_local(async move {
                match api::merge_patients(&args).await {
                    Ok(m) => {
                        let (kept, gone) = names.unwrap_or_default();
                        on_done.emit(Done::Merged(m, t!("records-merged", gone = gone, kept = kept)));
                    }
                    Err(e) => error.set(Some(crate::i18n::refusal(&e))),
                }
                busy.set(false);
            });
        })
    };
    let swap = {
        let swapped = swapped.clone();
        Callback::from(move |_: MouseEvent| swapped.set(!*swapped))
    };
    let cancel = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |_: MouseEvent| on_cancel.emit(()))
    };
    let body = match &*preview {
        None => html! { <p class="hint">{t!("records-reading-both")}</p> },
        Some(Err(message)) => html! { <p class="error" role="alert">{message.clone()}</p> },
        Some(Ok(p)) => {
            let pick = |field: String, side: Side| {
                let choices = choices.clone();
                Callback::from(move |_: Event| {
                    let mut next = (*choices).clone();
                    next.insert(field.clone(), side);
                    choices.set(next);
                })
            };
            html! {
                <>
                    <table id="merge-fields">
                        <thead><tr><th></th>
                            <th scope="col">{t!("records-keep")}{" "}{record(&p.keep)}</th>
                            <th scope="col">{t!("records-merge-away")}{" "}{record(&p.other)}</th></tr></thead>
                        <tbody>
                            if p.differences.is_empty() {
                                <tr><td colspan="3" class="hint">{t!("records-agree")}</td></tr>
                            }
                            { for p.differences.iter().map(|d| {
                                let side = choices.get(&d.field).copied().unwrap_or(d.default);
                                let name = format!("merge-{}", d.field);
                                html! {
                                    <tr data-field={d.field.clone()}>
                                        <th scope="row">{label(&d.field)}</th>
                                        <td><label><input type="radio" name={name.clone()} checked={side == Side::Keep}
                                            onchange={pick(d.field.clone(), Side::Keep)} />{" "}{shown(&d.keep)}</label></td>
                                        <td><label><input type="radio" name={name} checked={side == Side::Other}
                                            onchange={pick(d.field.clone(), Side::Other)} />{" "}{shown(&d.other)}</label></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                    <p class="hint">{t!("records-merge-hint")}</p>
                </>
            }
        }
    };
    html! {
        <section class="merge-review" id="merge-review" aria-label={t!("records-merge-label")}>
            {body}
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            <div class="actions">
                <button type="button" id="merge-confirm" class="primary" disabled={*busy || !matches!(*preview, Some(Ok(_)))}
                    onclick={merge}>{t!("records-merge")}</button>
                <button type="button" id="merge-swap" onclick={swap}>{t!("records-swap")}</button>
                <button type="button" id="merge-cancel" onclick={cancel}>{t!("records-not-now")}</button>
            </div>
        </section>
    }
}

fn record(p: &Patient) -> Html {
    html! { <span>{p.full_name()}<span class="hint">{format!(" · {}", p.record_no)}</span></span> }
}

/// How often the window asks how far a running import has got.
const PROGRESS_EVERY_MS: u32 = 200;

#[component]
fn ImportFile() -> Html {
    let kind = use_state(|| RecordsFile::Patients);
    let file = use_state(|| None::<(String, Vec<u8>)>);
    let report = use_state(|| None::<Result<ImportReport, String>>);
    // The file now chosen was checked and nothing was refused: it may be imported.
    let checked = use_state(|| false);
    let busy = use_state(|| false);
    let progress = use_state(|| None::<ImportProgressView>);
    let on_kind = {
        let (kind, report, checked) = (kind.clone(), report.clone(), checked.clone());
        Callback::from(move |_: Event| {
            kind.set(match select_value("imp-kind").as_str() {
                "appointments" => RecordsFile::Appointments,
                "fhir" => RecordsFile::Fhir,
                _ => RecordsFile::Patients,
            });
            report.set(None);
            checked.set(false);
        })
    };
    let on_file = {
        let (file, report, checked) = (file.clone(), report.clone(), checked.clone());
        Callback::from(move |e: Event| {
            let Some(chosen) = e.target_unchecked_into::<HtmlInputElement>().files().and_then(|f| f.get(0)) else {
                return;
            };
            let (file, report, checked) = (file.clone(), report.clone(), checked.clone());
            spawn_local(async move {
                match JsFuture::from(chosen.array_buffer()).await {
                    Ok(buffer) => {
                        file.set(Some((chosen.name(), js_sys::Uint8Array::new(&buffer).to_vec())));
                        report.set(None);
                    }
                    Err(_) => report.set(Some(Err(t!("records-unreadable")))),
                }
                checked.set(false);
            });
        })
    };
    let run = {
        let (kind, file, report, checked, busy, progress) =
            (kind.clone(), file.clone(), report.clone(), checked.clone(), busy.clone(), progress.clone());
        move |dry_run: bool| {
            let (kind, file, report, checked, busy, progress) =
                (kind.clone(), file.clone(), report.clone(), checked.clone(), busy.clone(), progress.clone());
            Callback::from(move |_: MouseEvent| {
                // A second click while one runs does nothing.
                let (Some((_, bytes)), false) = ((*file).clone(), *busy) else { return };
                busy.set(true);
                let dates = select_value("imp-dates");
                let args =
                    ImportFileArgs { kind: *kind, bytes, date_format: Some(dates).filter(|d| !d.is_empty()), dry_run };
                let (report, checked, busy, progress) =
                    (report.clone(), checked.clone(), busy.clone(), progress.clone());
                spawn_local(async move {
                    let shown = progress.clone();
                    let poll = Interval::new(PROGRESS_EVERY_MS, move || {
                        let shown = shown.clone();
                        spawn_local(async move {
                            if let Ok(p) = api::import_progress().await {
                                shown.set(p);
                            }
                        });
                    });
                    let got = api::import_file(&args).await.map_err(|e| crate::i18n::refusal(&e));
                    drop(poll);
                    checked.set(dry_run && got.as_ref().is_ok_and(|r| r.refused.is_empty()));
                    report.set(Some(got));
                    progress.set(None);
                    busy.set(false);
                });
            })
        }
    };
    let csv = *kind != RecordsFile::Fhir;
    html! {
        <section id="import" aria-labelledby="import-title">
            <h2 id="import-title">{t!("records-import-title")}</h2>
            <p class="hint">{t!("records-import-hint")}</p>
            <div class="import-form">
                <label>{t!("records-import-what")}{" "}
                    <select id="imp-kind" onchange={on_kind}>
                        <option value="patients" selected={*kind == RecordsFile::Patients}>{t!("records-file-patients")}</option>
                        <option value="appointments" selected={*kind == RecordsFile::Appointments}>{t!("records-file-appointments")}</option>
                        <option value="fhir" selected={*kind == RecordsFile::Fhir}>{t!("records-file-fhir")}</option>
                    </select>
                </label>
                if csv {
                    <label>{t!("records-import-dates")}{" "}
                        <select id="imp-dates">
                            <option value="">{t!("records-dates-as-file")}</option>
                            <option value="DD/MM/YYYY">{"DD/MM/YYYY"}</option>
                            <option value="MM/DD/YYYY">{"MM/DD/YYYY"}</option>
                            <option value="YYYY-MM-DD">{"YYYY-MM-DD"}</option>
                        </select>
                    </label>
                }
                <label class="sr-only" for="imp-file">{t!("records-import-file")}</label>
                <input type="file" id="imp-file" accept=".csv,.txt,.tsv,.json" onchange={on_file} />
                <button type="button" id="imp-check" disabled={file.is_none() || *busy} onclick={run(true)}>{t!("records-check")}</button>
                <button type="button" id="imp-go" class="primary" disabled={!*checked || *busy} onclick={run(false)}>{t!("records-import")}</button>
            </div>
            if *busy {
                <p id="imp-progress" role="status" aria-live="polite">
                    { match *progress {
                        Some(p) => html! {
                            <>
                                <progress max={p.total.max(1).to_string()} value={p.done.to_string()}></progress>
                                {" "}
                                { if p.writing {
                                    t!("records-progress-writing", done = p.done, total = p.total)
                                } else {
                                    t!("records-progress-checking", done = p.done, total = p.total)
                                } }
                            </>
                        },
                        None => html! { {t!("records-reading-file")} },
                    } }
                </p>
            }
            { match &*report {
                None => html! {},
                Some(Err(message)) => html! { <p class="error" role="alert" id="imp-error">{message.clone()}</p> },
                Some(Ok(r)) => import_report(r, file.as_ref().map(|(name, _)| name.as_str()).unwrap_or_default()),
            } }
        </section>
    }
}

/// The clinic's records saved for another system, in the Downloads folder: audited, and said to
/// be unencrypted.
#[component]
fn ExportFile() -> Html {
    let saved = use_state(|| None::<(RecordsFile, Result<SavedFile, String>)>);
    let busy = use_state(|| false);
    let save = |kind: RecordsFile| {
        let (saved, busy) = (saved.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            if *busy {
                return;
            }
            busy.set(true);
            let (saved, busy) = (saved.clone(), busy.clone());
            spawn_local(async move {
                saved.set(Some((kind, api::export_records(kind).await.map_err(|e| crate::i18n::refusal(&e)))));
                busy.set(false);
            });
        })
    };
    html! {
        <section id="export" aria-labelledby="export-title">
            <h2 id="export-title">{t!("records-export-title")}</h2>
            <p class="hint">{t!("records-export-hint")}</p>
            <div class="import-form">
                <button type="button" id="exp-patients" disabled={*busy} onclick={save(RecordsFile::Patients)}>{t!("records-file-patients")}</button>
                <button type="button" id="exp-appointments" disabled={*busy} onclick={save(RecordsFile::Appointments)}>{t!("records-file-appointments")}</button>
                <button type="button" id="exp-fhir" disabled={*busy} onclick={save(RecordsFile::Fhir)}>{t!("records-export-everything")}</button>
            </div>
            { match &*saved {
                None => html! {},
                Some((_, Err(message))) => html! { <p class="error" role="alert" id="exp-error">{message.clone()}</p> },
                Some((kind, Ok(f))) => html! {
                    <p role="status" id="exp-saved">
                        { match kind {
                            RecordsFile::Patients => t!("records-saved-patients", count = f.count, path = f.path.as_str()),
                            RecordsFile::Appointments => t!("records-saved-appointments", count = f.count, path = f.path.as_str()),
                            RecordsFile::Fhir => t!("records-saved-fhir", count = f.count, path = f.path.as_str()),
                        } }
                        {" "}
                        <strong>{t!("records-not-encrypted")}</strong>
                        {" "}{t!("records-hand-over")}
                    </p>
                },
            } }
        </section>
    }
}

fn import_report(r: &ImportReport, name: &str) -> Html {
    let summary = if r.written {
        t!("records-summary-imported", name = name, created = r.created, updated = r.updated, unchanged = r.unchanged)
    } else {
        t!("records-summary-checked", name = name, created = r.created, updated = r.updated, unchanged = r.unchanged)
    };
    html! {
        <div id="imp-report">
            <p id="imp-summary" role="status">
                {summary}
                if r.duplicates > 0 { {format!(", {}", t!("records-summary-duplicates", count = r.duplicates))} }
                {"."}
                <span class="hint">{format!(" {}", r.details)}</span>
            </p>
            if !r.refused.is_empty() {
                <p class="error" role="alert">{t!("records-refused", count = r.refused.len())}</p>
                <table id="imp-refused">
                    <thead><tr><th scope="col">{t!("records-col-where")}</th><th scope="col">{t!("records-col-column")}</th><th scope="col">{t!("records-col-why")}</th></tr></thead>
                    <tbody>
                        { for r.refused.iter().map(|x| html! {
                            <tr><td>{x.place.clone()}</td><td>{x.column.clone()}</td><td>{x.reason.clone()}</td></tr>
                        }) }
                    </tbody>
                </table>
            }
        </div>
    }
}

/// Who opened restricted records (break-glass), when and why: newest first.
#[component]
fn BreakGlassLog() -> Html {
    let Some(desk) = use_context::<crate::app::Desk>() else { return html! {} };
    let today = desk.state.today;
    let entries = use_state(|| None::<Result<Vec<BreakGlassEntry>, String>>);
    {
        let entries = entries.clone();
        use_effect_with((), move |()| {
            spawn_local(async move {
                entries.set(Some(api::break_glass_log().await.map_err(|e| crate::i18n::refusal(&e))))
            });
        });
    }
    html! {
        <section id="break-glass-log" aria-labelledby="break-glass-log-title">
            <h2 id="break-glass-log-title">{t!("records-break-glass-title")}</h2>
            { match &*entries {
                None => html! { <p class="hint">{t!("loading")}</p> },
                Some(Err(message)) => html! { <p class="error" role="alert">{message.clone()}</p> },
                Some(Ok(list)) if list.is_empty() => html! { <p class="hint">{t!("records-break-glass-none")}</p> },
                Some(Ok(list)) => html! {
                    <table>
                        <thead><tr>
                            <th scope="col">{t!("records-col-when")}</th><th scope="col">{t!("records-col-who")}</th>
                            <th scope="col">{t!("records-col-record")}</th><th scope="col">{t!("records-col-why")}</th>
                        </tr></thead>
                        <tbody>
                            { for list.iter().map(|e| html! {
                                <tr>
                                    <td>{format::when(e.at, today)}</td><td>{e.staff.clone()}</td>
                                    <td>{e.record_no.clone()}</td><td>{e.reason.clone()}</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                },
            } }
        </section>
    }
}
