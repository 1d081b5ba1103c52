# What a refused operation says (rapport_model::Says): the core's sentences, in the staff
# member's language. Arguments: names and times as they are; a role, a status, a day off and a
# day already in words.
refusal-wrong-passphrase = That passphrase does not open this clinic's database.
refusal-passphrase-required = Type the database passphrase to open it.
refusal-passphrase-too-short = The database passphrase needs at least { $min } characters.
refusal-password-too-short = A password needs at least { $min } characters.
refusal-password-same = The new password must differ from the current one.
refusal-login-failed = Unknown login or wrong password.
refusal-current-password-wrong = The current password is not right.
refusal-too-many-logins = Too many failed logins; try again in { $minutes } minutes or ask a manager.
refusal-account-disabled = This account is disabled.
refusal-password-reset = Your password was reset: choose a new one first.
refusal-desk-locked = The desk is locked: log in again.
refusal-restricted = This record is restricted: say why you need it (recorded, and shown to the clinic's managers).
refusal-catching-up = This desk was put back from a backup and must sync with head office once before anyone works on it.
refusal-role-may-not = Your role ({ $role }) may not do this.
refusal-login-taken = That login is taken.
refusal-doctor-away = { $doctor }: { $away } on { $day }.
refusal-doctor-not-working = { $doctor } does not see patients then: that day's hours are { $hours }.
refusal-doctor-busy = { $doctor } already has an appointment at { $from }–{ $to }.
refusal-cannot-move = This appointment cannot be moved: it is { $status }.
refusal-cannot-change-status = This appointment cannot be marked { $to }: it is { $from }.
refusal-not-on-waitlist = That patient is no longer on the waitlist.
refusal-pointer-retracted = That pointer was withdrawn.
refusal-pointer-superseded = That pointer has a newer version; use that one.
refusal-head-office-unreachable = Head office cannot be reached; the desk keeps working and syncs when it can.
refusal-name-missing = A patient needs a given or a family name.
refusal-birth-date-in-future = The birth date is in the future.
refusal-birth-date-too-old = The birth date is before 1880.
refusal-birth-year-out-of-range = The birth year is not between 1880 and this year.
refusal-phone-too-short = A phone number needs 3 to 15 digits.
