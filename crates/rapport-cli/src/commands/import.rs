//! Records from and to another system's files: `import patients|appointments|fhir`,
//! `export csv|fhir`.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use rapport_core::{ImportOptions, ImportProgress, ImportStage, ImportSummary, Rapport, Session};

use crate::cli::{ExportCommand, ImportArgs, ImportCommand};
use crate::context::{Failure, user_error};
use crate::output::{self, say};

pub(crate) fn import(app: &mut Rapport, s: &Session, cmd: ImportCommand) -> Result<(), Failure> {
    let (patients, ImportArgs { file, map, date_format, dry_run, json }) = match cmd {
        ImportCommand::Patients(args) => (true, args),
        ImportCommand::Appointments(args) => (false, args),
        ImportCommand::Fhir { file, dry_run, json } => return import_fhir(app, s, &file, dry_run, json),
    };
    let bytes = std::fs::read(&file).map_err(|e| user_error(format!("cannot read {}: {e}", file.display())))?;
    let map = map
        .map(|p| std::fs::read_to_string(&p).map_err(|e| user_error(format!("cannot read {}: {e}", p.display()))))
        .transpose()?;
    let options = ImportOptions { map: map.as_deref(), date_format, dry_run };
    // On a terminal a bar shows the rows checked, then written (hidden when not a terminal).
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:9} {bar:40} {pos}/{len} rows")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut show = |p: ImportProgress| {
        bar.set_message(match p.stage {
            ImportStage::Checking => "checking",
            ImportStage::Writing => "writing",
        });
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
    };
    let summary = if patients {
        app.import_patients_showing(s, &bytes, &options, &mut show)
    } else {
        app.import_appointments_showing(s, &bytes, &options, &mut show)
    };
    bar.finish_and_clear();
    let summary = summary?;
    if json {
        output::json(&summary)?;
    } else {
        print(&summary, dry_run, patients);
    }
    if summary.refused.is_empty() {
        Ok(())
    } else {
        let n = summary.refused.len();
        Err(user_error(format!("{n} row(s) refused: nothing was imported; mend them and import the file again")))
    }
}

fn print(summary: &ImportSummary, dry_run: bool, patients: bool) {
    let (verb, done) = if summary.written { ("", "imported") } else { ("would be ", "checked") };
    let duplicates =
        if patients { format!(", {} look like patients already held", summary.duplicates) } else { String::new() };
    say!(
        "{done}: {} {verb}created, {} {verb}updated, {} unchanged{duplicates}{}",
        summary.created,
        summary.updated,
        summary.unchanged,
        if dry_run { " (dry run: nothing written)" } else { "" }
    );
    say!(
        "read as {}, delimiter \"{}\", dates {}; {} blank line(s) skipped",
        summary.encoding,
        summary.delimiter,
        summary.date_format,
        summary.blank
    );
    if !summary.left_out.is_empty() {
        say!("columns left out (give --map to take them): {}", summary.left_out.join(", "));
    }
    for r in &summary.refused {
        let column = if r.column.is_empty() { String::new() } else { format!(", column {}", r.column) };
        say!("line {}{column}: {}", r.line, r.reason);
    }
}

fn import_fhir(app: &mut Rapport, s: &Session, file: &Path, dry_run: bool, json: bool) -> Result<(), Failure> {
    let text = std::fs::read_to_string(file).map_err(|e| user_error(format!("cannot read {}: {e}", file.display())))?;
    let summary = app.import_fhir(s, &text, dry_run)?;
    if json {
        output::json(&summary)?;
    } else {
        let (verb, done) = if summary.written { ("", "imported") } else { ("would be ", "checked") };
        say!(
            "{done}: {} patient(s) {verb}created, {} {verb}updated; {} pointer(s), {} appointment(s), {} visit(s); {} resource(s) skipped{}",
            summary.created,
            summary.updated,
            summary.pointers,
            summary.appointments,
            summary.visits,
            summary.skipped,
            if dry_run { " (dry run: nothing written)" } else { "" }
        );
        for r in &summary.refused {
            say!("{}: {}", r.position, r.reason);
        }
    }
    if summary.refused.is_empty() {
        Ok(())
    } else {
        let n = summary.refused.len();
        Err(user_error(format!("{n} resource(s) refused: nothing was imported; mend them and import the bundle again")))
    }
}

pub(crate) fn export(app: &mut Rapport, s: &Session, cmd: ExportCommand) -> Result<(), Failure> {
    match cmd {
        ExportCommand::Csv { what, out } => {
            let rows = app.export_csv(s, what, &out)?;
            say!("wrote {rows} {what} to {}", out.display());
        }
        ExportCommand::Fhir { out, patient } => {
            let patient = patient.map(|p| app.resolve_patient(s, &p)).transpose()?;
            let resources = app.export_fhir_to(s, patient, &out)?;
            say!("wrote {resources} FHIR resources to {}", out.display());
        }
    }
    eprintln!("note: the file is not encrypted; keep it safe and delete it when it has served");
    Ok(())
}
