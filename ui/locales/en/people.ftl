# First run: a new clinic or joining head office.

gates-first-run = — first run
gates-how-desk-starts = How this desk starts
gates-new-clinic = A new clinic
gates-join-head-office = Join head office

# Where the database key is kept.

gates-key-where = Where the database key is kept
gates-key-keyring = This computer's keyring (recommended)
gates-key-passphrase = A passphrase, typed when the app starts
gates-no-keyring = No keyring answers on this computer, so the key is protected by a passphrase.
gates-database-passphrase = Database passphrase
gates-passphrase-hint = At least { $count } characters. Without it the database cannot be opened: keep it safe.

# Setting up a new clinic.

gates-setup-title = Set up this front desk
gates-clinic-name = Clinic name
gates-your-name = Your name
gates-your-login = Your login
gates-login-hint = Letters, digits, dots and dashes, e.g. anna.k
gates-your-password = Your password
gates-password-hint = At least { $count } characters
gates-create-clinic = Create clinic
gates-explore-demo = Explore with demo data
gates-demo-hint = Demo data: a made-up clinic with synthetic patients, three doctors and four weeks of appointments. Demo staff (priya, sam, dr.mehta…) share the password you chose.
gates-creating = Creating the encrypted database…

# Joining a clinic's head office.

gates-join-title = Join your clinic's head office
gates-join-hint = Head office gives each new desk a one-time code. The clinic's staff, patients and schedule come down with the first sync; staff then log in with their own passwords.
gates-joining = Enrolling and fetching the clinic's data…

# Opening the database, logging in, the lock.

gates-unlock-db-title = Open the clinic database
gates-unlock-db-hint = The database is protected by a passphrase.
gates-open = Open
gates-log-in = Log in
gates-login = Login
gates-password = Password
gates-locked = Locked
gates-locked-carry-on = { $name }, type your password to carry on.
gates-locked-hint = The desk locks itself when nobody has used it for a while, so patient details are not left on screen.
gates-unlock = Unlock
gates-someone-else = Someone else? Log in

# A new password.

gates-passwords-differ = The two new passwords differ: type the same one twice.
gates-forced-title = Choose a new password
gates-forced-hint = A manager gave you this password. Choose your own before you carry on: only you should know it.
gates-change-title = Change your password
gates-change-hint = Type your current password, then the new one twice.
gates-password-given = Password you were given
gates-password-current = Current password
gates-password-new = New password (at least { $count } characters)
gates-password-again = New password again
gates-password-save = Save the new password

# Desk settings.

settings-title = Desk settings
settings-idle-lock = Lock the desk after it has been idle for
settings-idle-lock-hint = Unlocking asks for the staff member's password again.
settings-saved = Saved.

# The clinic's staff: what a change did.

staff-added = { $name } can log in as { $login }.
staff-role-changed = { $login } is now { $role }.
staff-deactivated-said = { $login } can no longer log in; their history stays.
staff-reactivated-said = { $login } can log in again.
staff-reset-said = Give { $login } the new password: they choose their own when they next log in.

# The staff table.

staff-title = Staff
staff-name = Name
staff-login = Login
staff-role = Role
staff-status = Status
staff-role-of = Role of { $name }
staff-you = (you)
staff-active = Active
staff-deactivated = Deactivated
staff-reset-password = Reset password
staff-temporary-password = New password to give them
staff-set-it = Set it
staff-deactivate = Deactivate
staff-reactivate = Reactivate

# Adding a colleague.

staff-add-title = Add a colleague
staff-first-password = First password (at least { $count } characters)
staff-add = Add

# Enrolling with head office: address, code, certificate authority.

enroll-not-pem = That file is not a PEM certificate.
enroll-server = Head office address
enroll-server-hint = As head office gave it, e.g. https://office.example.in:8443
enroll-code = Enrollment code
enroll-code-hint = A one-time code from head office for this desk
enroll-ca = Head office's certificate authority (if head office gave you one)
enroll-ca-hint = Paste it, or read it from the file head office sent. Leave it empty if head office's certificate is signed by an authority this computer trusts.
enroll-ca-file = Read from a file:

# Head office: how sync stands.

office-asking = Asking how sync stands…
office-title = Head office
office-not-enrolled = This desk works on its own: it is not enrolled with a head office.
office-enroll-in-settings = Enroll it in Settings
office-manager-can-enroll = A manager can enroll it in Settings with a code from head office.
office-clinic = Clinic
office-server = Head office
office-last-synced = Last synced
office-never = never
office-pending = Waiting to go up
office-refused = Refused by head office
office-quarantined = Not applied here
office-changes = { $count ->
        [0] none
        [one] 1 change
       *[other] { $count } changes
    }
office-last-sync-failed = The last sync failed: { $error }.
office-restored = Head office was restored from an older copy of its data ({ $when }). This desk sent everything it holds again, so nothing made here is lost.
office-syncing = Syncing…
office-sync-now = Sync now
office-synced = Synced: sent { $sent }, received { $received }.
office-new-conflicts = { $count } new conflict(s) below.
office-resent = Head office had been restored from an older copy: this desk sent its data again.

# Head office: conflicts.

office-conflicts = Conflicts ({ $count })
office-no-conflicts = Nothing to look at: every change here and at head office agrees.
office-conflicts-hint = Where this desk and another changed the same thing, or head office could not take a change. Keep what won, or write this desk's value again.
office-a-record = a { $entity } record
office-lost-edit = Changed in two places
office-lost-edit-what = { $field } of { $subject }
office-a-field = a field
office-booking-rejected = Booking not kept
office-booking-rejected-what = an appointment of { $subject }
office-refused-title = Refused by head office
office-refused-what = a change to { $subject }
office-quarantined-title = Not applied here
office-quarantined-what = a change to { $subject } from head office
office-open-card = open the card
office-this-desk = This desk:
office-kept = Kept:
office-keep-theirs = Keep what won
office-reapply-mine = Write mine again
office-dismiss = Seen, dismiss
office-field-given = given name
office-field-family = family name
office-field-preferred = preferred name
office-field-phones = phone numbers
office-field-starts-at = time
office-empty = (empty)

# Settings: enrolling this desk.

office-enrolled = Enrolled. This desk now syncs with head office in the background.
office-open-status = Sync status and conflicts
office-enroll-again = Enroll again with a new code
office-enroll-again-hint = For a desk head office revoked or moved: it keeps everything it has not sent yet.
office-enroll-hint = Enroll this desk so its patients and appointments are kept at head office and shared with the clinic's other desks. What it holds now goes up with the first sync.
office-enrolling = Enrolling…
office-enroll-submit = Enroll this desk
