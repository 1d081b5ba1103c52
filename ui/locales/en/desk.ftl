# The front desk: search, other clinics, a restricted record.

desk-find-patient = Find a patient
desk-search-placeholder = Name, phone or record number
desk-matching-patients = Matching patients
desk-no-match = No patient matches.
desk-no-match-register = registers a new one.
desk-search-hint = Type a few letters of a name, part of a phone number or a record number. ↑ ↓ choose, Enter opens, Alt+I checks in today's appointment, Esc closes the card.
desk-open-hint = Open a patient to see what to talk about, their needs and their appointments.
desk-remote-none = Head office knows no patient of that name either.
desk-remote-known = Known at other clinics:
desk-remote-patients = Patients of other clinics
desk-take-on = Take on here
desk-asking-head-office = Asking head office…
desk-search-head-office = Search other clinics at head office
desk-restricted-title = Restricted record
desk-restricted-explain = A manager restricted this patient's record. Say why you need it: the reason is recorded with your name and shown to the clinic's managers.
desk-restricted-reason = Why you are opening it
desk-restricted-open = Open the record

# Registration: a new patient and possible duplicates.

register-title = New patient
register-given = Given name
register-family = Family name
register-preferred = Likes to be called
register-birth = Birth date
register-phone = Phone
register-email = Email
register-usual-doctor = Usual doctor
register-no-doctor = — none yet —
register-interpreter = Interpreter for (language)
register-needs = Practical needs
register-hard-of-hearing = Hard of hearing
register-submit = Register patient
register-later = More details can be added later.
register-dupes-title = Already registered?
register-dupes-hint = Patients with the same name and birth date, or the same phone, show here as you type.
register-dupes-found = { $count ->
    [one] { $count } patient already held may be this one — check before saving.
   *[other] { $count } patients already held may be this one — check before saving.
}
register-match = { $band ->
    [possible] possible match: { $reasons }
    [probable] probable match: { $reasons }
   *[certain] certain match: { $reasons }
}
register-open = Open

# Booking and moving an appointment, the waitlist.

booking-title = Book an appointment
booking-move-title = Move appointment
booking-booked = Booked
booking-moved = Moved
booking-back-to-patient = Back to the patient
booking-usual-doctor = usual doctor: { $doctor }
booking-doctor = Doctor
booking-doctor-usual = { $doctor } (usual)
booking-day = Day
booking-length = Length
booking-reason = Reason (optional)
booking-breaks-continuity = Breaks continuity of care: { $doctor } usually sees { $patient }.
booking-another-doctor = another doctor
booking-free-on = Free on { $day }
booking-looking = Looking for free slots…
booking-day-off = { $doctor } is { $why } on this day. Try another day or doctor.
booking-no-slots = No free slots on this day. Try the next day.
booking-free-slots = Free slots
booking-waitlisted = { $patient } is on the waitlist: a freed slot will be offered to them.
booking-waitlist-hint = Nothing early enough? Put them on the waitlist, and a cancelled slot is offered to them first come first.
booking-any-doctor = any doctor
booking-waitlist-add = Put on the waitlist

# The call list: who to phone and how each call went.

calls-title = Call list
calls-hint = Who to phone today, earliest first. Say how each call went; anything but “No answer” takes it off every desk’s list.
calls-nobody = Nobody to call. Well done.
calls-no-phone = no phone on file
calls-since = since { $day }
calls-talk-about = Talk about: { $talk }
calls-tried-before = Tried before: { $outcome }
calls-open-patient = Open patient
calls-done = { $name }: { $outcome } — done.
calls-kept = { $name }: { $outcome } — kept on the list to try again.

# Why a patient is on the call list.

calls-reason-no-show = Missed appointment: call to rebook
calls-reason-follow-up = Follow-up call after the visit
calls-reason-recall = Recall due: offer a check-up
calls-reason-reminder = Prefers a call: remind of the visit and confirm it
calls-reason-undelivered = A message could not be delivered: call instead
calls-reason-call-back = Asked to be called back
calls-reason-cannot-come = Cannot come: call to rebook
calls-reason-reply-unclear = Replied to a message: read the reply and call

# The doctor's glance.

glance-patient = Patient
glance-waiting = waiting { $time }
glance-nobody-else = Nobody else is booked with this doctor today.
glance-doctor = Doctor
glance-still-to-see = Still to see today

# The patient card: header and actions.

card-age = { $years } years
card-say-it = Say it: { $say }
card-book = Book
card-walk-in = Walk-in
card-walk-in-title = Came without a booking: check in now, queued with the booked patients
card-edit = Edit details
card-restrict = Restrict record
card-lift-restriction = Lift restriction
card-restrict-title = A restricted record opens only with a stated reason, shown to managers
card-restricted = Restricted record: opened with a stated reason, recorded for the clinic's managers.
card-also-holds = Also holds
card-merged = { $name } ({ $record }), merged { $when }
card-undo = Undo

# The patient card: facts, needs and consent.

card-needs = Practical needs
card-phone = Phone
card-usual-doctor = Usual doctor
card-born = Born
card-last-visit = Last visit
card-language = Language
card-comes-with = Comes with
card-consent = Consent
card-channel-sms = SMS
card-channel-email = Email
card-channel-phone = Phone
card-consent-yes = { $channel } yes
card-consent-no = { $channel } no
card-no-marketing = No marketing
card-quiet = Quiet { $from }–{ $until }

# The patient card: pointers, appointments, calls and messages.

card-talk-about = Talk about
card-talk-empty = Nothing yet. Learnt something? Add it below.
card-avoid = Avoid
card-appointments = Appointments
card-today = Today
card-check-in = Check in
card-last = Last
card-next = Next
card-move = Move
card-earlier-appointments = Earlier appointments ({ $count })
card-to-call = To call
card-messages = Messages
card-message-by = { $channel ->
    [sms] { $kind } by sms:
    [email] { $kind } by email:
    [phone] { $kind } by phone:
   *[none] { $kind } by —:
}

# A pointer on the card: its actions and versions.

card-revise-label = What it says now
card-do-not-raise = Do not raise:
card-new-since-visit = New since last visit
card-used-on = used { $when }
card-earlier-versions = Earlier versions
card-used-it = Used it
card-used-it-label = Used it: { $pointer }
card-change = Change
card-change-label = Change: { $pointer }
card-withdraw = Withdraw
card-withdraw-label = Withdraw: { $pointer }
card-withdraw-title = No longer true or recorded by mistake: it leaves the card and stays in the history
card-earlier = Earlier
card-earlier-label = Earlier versions: { $pointer }

# Quick capture of a pointer.

card-capture = Add a pointer
card-capture-kind = Kind
card-capture-text = Something to remember (Enter saves)
card-capture-placeholder = e.g. Daughter's wedding in March
card-capture-date = Date (optional)

# A walk-in.

card-walk-in-doctor = To see
card-doctor-usual = { $doctor } (usual)
card-walk-in-reason = Why (optional)
card-walk-in-submit = Check in as a walk-in

# Editing a patient's details.

edit-title = Details of { $name }
edit-error-birth-date = The birth date is not a date.
edit-error-quiet-hours = Quiet hours need a start and an end time.
edit-name = Name
edit-given = Given names
edit-family = Family name
edit-preferred = Likes to be called
edit-pronunciation = Say it (e.g. SHAH-nuh)
edit-birth = Birth date
edit-sex = Sex
edit-sex-female = Female
edit-sex-male = Male
edit-sex-other = Other
edit-sex-unknown = Unknown
edit-language = Language
edit-reaching = Reaching them
edit-phones = Phones (the first is the one to call; commas between)
edit-email = Email
edit-address = Address
edit-city = City
edit-area = Area
edit-consent = Consent
edit-texts = Texts
edit-emails = Emails
edit-calls = Calls
edit-no-marketing = No marketing (greetings, campaigns)
edit-quiet-from = Quiet from
edit-quiet-until = Quiet until
edit-care = Care
edit-usual-doctor = Usual doctor
edit-referral = Came to us through
edit-referring = Referring doctor
edit-conditions = Condition tags (commas between)
edit-needs = Practical needs
edit-interpreter = Interpreter for (language)
edit-other-need = Another need
edit-comes-with = Comes with
edit-att-name = Name
edit-att-relation = Relation
edit-att-phone = Phone
edit-add-attendant = Add someone who comes with them
