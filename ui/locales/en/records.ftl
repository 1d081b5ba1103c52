# Records: the page.

records-title = Records

# Records: the duplicate review queue.

records-dup-title = Possible duplicates
records-dup-hint = Pairs of patients held here who may be one person. Nothing is merged until you say so.
records-dup-show = Show
records-dup-certain = certain matches
records-dup-probable = certain and probable
records-dup-possible = everything possible
records-undo = Undo
records-unmerged = The two records are apart again.
records-not-undone = Not undone: { $why }
records-comparing = Comparing every patient…
records-dup-none = No patients here look like one another.
records-col-match = Match
records-col-one = One record
records-col-other = The other
records-col-why = Why
records-review = Review
records-band-certain = certain
records-band-probable = probable
records-band-possible = possible

# Records: a field's value and name in the merge.

records-yes = yes
records-no = no
records-consent-sms = sms
records-consent-email = email
records-consent-phone = phone
records-consent-opted-out = opted out
records-field-given = Given
records-field-family = Family
records-field-preferred = Preferred
records-field-pronunciation = Pronunciation
records-field-birth-date = Birth date
records-field-birth-year = Birth year
records-field-sex = Sex
records-field-gender = Gender
records-field-language = Language
records-field-email = Email
records-field-address = Address
records-field-city = City
records-field-area = Area
records-field-consent = Consent
records-field-referral-source = Referral source
records-field-referring-doctor = Referring doctor
records-field-usual-doctor = Usual doctor

# Records: merging two records.

records-merged = { $gone } is merged into { $kept }.
records-reading-both = Reading both records…
records-keep = Keep:
records-merge-away = Merge away:
records-agree = The two records agree on every field both have.
records-merge-hint = Phones, condition tags, needs and attendants of both are kept. The merged-away record's appointments, pointers and messages move to the kept one. The newer record's value is chosen unless you choose otherwise.
records-merge-label = Merge two records
records-merge = Merge
records-swap = Keep the other record instead
records-not-now = Not now

# Records: bringing a file in.

records-unreadable = That file could not be read.
records-import-title = Bring records in
records-import-hint = An export of your HIS, EMR or spreadsheet (CSV), or an HL7 FHIR bundle. Check it first: nothing is written until you import, and a file with a refused row is not imported at all.
records-import-what = What
records-file-patients = Patients (CSV)
records-file-appointments = Appointments (CSV)
records-file-fhir = FHIR bundle (JSON)
records-import-dates = Dates
records-dates-as-file = as the file shows
records-import-file = The file to check
records-check = Check
records-import = Import
records-progress-checking = Checking { $done } of { $total } rows
records-progress-writing = Writing { $done } of { $total } rows
records-reading-file = Reading the file…

# Records: saving records for another system.

records-export-title = Save records for another system
records-export-hint = Saved in your Downloads folder and recorded in the audit log.
records-export-everything = Everything (FHIR bundle)
records-saved-patients = Saved { $count } patients to { $path }.
records-saved-appointments = Saved { $count } appointments to { $path }.
records-saved-fhir = Saved { $count } FHIR resources to { $path }.
records-not-encrypted = The file is not encrypted:
records-hand-over = hand it over safely and delete it when it is no longer needed.

# Records: what a check or an import found.

records-summary-imported = Imported { $name }: { $created } created, { $updated } updated, { $unchanged } unchanged
records-summary-checked = Checked { $name }: { $created } would be created, { $updated } would be updated, { $unchanged } unchanged
records-summary-duplicates = { $count } look like patients already held (see Possible duplicates below)
records-refused = { $count } refused: nothing will be written until they are mended.
records-col-where = Where
records-col-column = Column

# Records: who opened restricted records.

records-break-glass-title = Restricted records opened
records-break-glass-none = Nobody has opened a restricted record.
records-col-when = When
records-col-who = Who
records-col-record = Record
