//! The clinic's segments and figures: `segment …`, `report …`.

use rapport_core::{ProfileReport, Rapport, Report, Session};
use rapport_model::segments::SegmentFilter;

use crate::cli::{ReportCommand, SegmentArgs, SegmentCommand};
use crate::context::Failure;
use crate::output::{self, say};

pub(crate) fn segment(app: &mut Rapport, s: &Session, cmd: SegmentCommand) -> Result<(), Failure> {
    let (filter, json) = match cmd {
        SegmentCommand::Count { filter, json } => (segment_filter(app, s, filter)?, json),
        SegmentCommand::Save { name, filter, json } => {
            let saved = app.save_segment(s, &name, &segment_filter(app, s, filter)?)?;
            if json {
                return output::json(&saved);
            }
            say!("saved {}", saved.name);
            (saved.filter, false)
        }
        SegmentCommand::List { json } => {
            let saved = app.segments(s)?;
            if json {
                return output::json(&saved);
            }
            if saved.is_empty() {
                say!("No saved segments. Save one: rapport segment save NAME --tag diabetes");
            }
            for seg in saved {
                say!("{}  {}", seg.name, serde_json::to_string(&seg.filter).unwrap_or_default());
            }
            return Ok(());
        }
    };
    let size = app.segment_size(s, &filter)?;
    if json {
        return output::json(&size);
    }
    say!("{} patient{}", size.count, if size.count == 1 { "" } else { "s" });
    for p in &size.sample {
        say!("  {} ({})", p.full_name(), p.record_no);
    }
    if size.count > size.sample.len() {
        say!("  … and {} more", size.count - size.sample.len());
    }
    Ok(())
}

/// The segment the command line describes.
fn segment_filter(app: &Rapport, s: &Session, a: SegmentArgs) -> Result<SegmentFilter, Failure> {
    let usual_doctor = a.doctor.map(|login| app.staff_by_login(s, &login).map(|d| d.id)).transpose()?;
    Ok(SegmentFilter {
        tags: a.tags,
        min_age: a.min_age,
        max_age: a.max_age,
        sex: a.sex,
        city: a.city,
        area: a.area,
        last_visit_before: a.last_visit_before,
        last_visit_after: a.last_visit_after,
        usual_doctor,
        language: a.language,
        consent: a.consent,
    })
}

pub(crate) fn report(app: &mut Rapport, s: &Session, cmd: ReportCommand) -> Result<(), Failure> {
    let (which, range) = match &cmd {
        ReportCommand::NoShows { range } => (Report::NoShows, range),
        ReportCommand::Waiting { range } => (Report::Waiting, range),
        ReportCommand::Referrals { range } => (Report::Referrals, range),
        ReportCommand::Geography { range } => (Report::Geography, range),
        ReportCommand::Conditions { range } => (Report::Conditions, range),
        ReportCommand::Visits { range } => (Report::Visits, range),
    };
    let to = range.to.unwrap_or_else(|| app.today());
    let from = range.from.unwrap_or(to - chrono::Duration::days(90));
    if range.csv {
        let csv = app.export_report(s, which, from, to)?;
        say!("{}", csv.trim_end());
        return Ok(());
    }
    let json = range.json;
    if let Some(profile) = which.profile() {
        return self::profile(app, s, profile, from, to, json);
    }
    if which == Report::NoShows {
        let rows = app.no_show_report(s, from, to)?;
        if json {
            return output::json(&rows);
        }
        say!("No-shows {from} to {to}");
        for r in &rows {
            say!(
                "{:<10} {:<28} {:>6} visits {:>5} missed  {:>5.1}%",
                r.dimension,
                r.key,
                r.visits,
                r.no_shows,
                r.rate * 100.0
            );
        }
        return Ok(());
    }
    let report = app.waiting_report(s, from, to)?;
    if json {
        return output::json(&report);
    }
    say!("Seen within 30 minutes of the scheduled time, {from} to {to} (standard: 90%)");
    for r in &report.rows {
        let mark = if r.meets_standard { "" } else { "  BELOW STANDARD" };
        say!(
            "{:<8} {:<28} {:>6} seen {:>5.1}% on time  median {} min, 90th {} min{mark}",
            r.dimension,
            r.key,
            r.visits,
            r.share * 100.0,
            r.median_minutes,
            r.p90_minutes
        );
    }
    for b in &report.distribution {
        say!("  {:<18} {}", b.minutes, b.visits);
    }
    Ok(())
}

/// A profile report: each group's count and its share of the whole it counts.
fn profile(
    app: &mut Rapport,
    s: &Session,
    which: ProfileReport,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    json: bool,
) -> Result<(), Failure> {
    let rows = app.profile_report(s, which, from, to)?;
    if json {
        return output::json(&rows);
    }
    say!("{from} to {to}");
    for r in &rows {
        say!("{:<20} {:<36} {:>7}  {:>5.1}%", r.dimension, r.key, r.count, r.share * 100.0);
    }
    Ok(())
}
