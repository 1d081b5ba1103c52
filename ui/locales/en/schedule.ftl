# Today's schedule: the buttons on a row and the keys that press them.

schedule-action-check-in = Check in
schedule-action-seen = Seen
schedule-action-done = Done
schedule-action-no-show = No-show
schedule-action-cancel = Cancel

# What the last change did.

schedule-notice-no-show = { $name } marked as a no-show. A call to rebook is on the call list.
schedule-notice-checked-in = { $name } checked in.
schedule-notice-status = { $name }: { $status }.
schedule-open-call-list = Open the call list

# The toolbar: the day, how many appointments, who is waiting.

schedule-today = Today
schedule-summary = { $day } · { $count } appointments · { $walkins ->
        [0] { $waiting } waiting
        [one] { $waiting } waiting (1 walk-in)
       *[other] { $waiting } waiting ({ $walkins } walk-ins)
    }
schedule-day = Day
schedule-week-view = Week view
schedule-keys-on-a-row = On a row:
schedule-key-check-in = check in
schedule-key-seen = seen
schedule-key-done = done
schedule-key-no-show = no-show
schedule-key-cancel = cancel

# A doctor's column and its rows.

schedule-no-appointments = No appointments on this day.
schedule-appointments-with = Appointments with { $doctor }
schedule-time = Time
schedule-patient = Patient
schedule-status-wait = Status · wait
schedule-walk-in = walk-in
schedule-wait-apologise = Waiting { $wait } — apologise.
schedule-talk-about = Talk about: { $topic }
schedule-wait-long = Getting long — keep them posted.
schedule-confirmed-by = by { $channel }
schedule-in-queue = { $place } in queue
schedule-wait-title = Waiting since the later of the booked time and arrival

# The waitlist.

schedule-waitlist = Waitlist
schedule-waitlist-empty = Nobody is waiting for an earlier slot. Add a patient from the booking screen.
schedule-with = With
schedule-now-booked = Now booked
schedule-since = Since
schedule-any-doctor = any doctor

# A doctor's week.

week-title = Week
week-doctor-slots = { $doctor } · { $minutes }-minute slots
week-doctor = Doctor
week-previous-title = Previous week ([)
week-previous = ← Previous
week-this-week = This week
week-next-title = Next week (])
week-next = Next →
week-todays-list = Today's list
week-walk-in = walk-in
week-free = { $count ->
        [0] Fully booked
        [one] 1 slot free
       *[other] { $count } slots free
    }

# Hours and time off (settings).

hours-saved = Hours saved: free slots follow them from now on.
hours-bad-day = { $day }: hours are written like 09:00-13:00, 17:00-20:00 (or left empty for a day off)
hours-choose-days = Choose the first day off (and the last, if it is more than one).
hours-time-off-added = { $booked ->
        [0] Time off added.
        [one] Time off added. 1 appointment is already booked then: move it.
       *[other] Time off added. { $booked } appointments are already booked then: move them.
    }
hours-whole-clinic = Whole clinic
hours-a-doctor = A doctor
hours-title = Hours and time off
hours-doctor = Doctor
hours-sessions-hint = Sessions per day, like 09:00-13:00, 17:00-20:00. Leave a day empty when they do not work.
hours-day-off = day off
hours-slots-every = Slots every
hours-save = Save hours
hours-time-off = Time off
hours-no-time-off = No leave or clinic holiday ahead.
hours-who = Who
hours-from = From
hours-to = To
hours-why = Why
hours-whole-clinic-holiday = Whole clinic (holiday)
hours-to-if-more = To (if more than a day)
hours-why-optional = Why (optional)
hours-add-time-off = Add time off

# A freed slot offered to the waitlist.

offers-taken = { $name } has the slot now.
offers-title = Free again: { $when } ({ $minutes } min). Waiting for a slot like it:
offers-now-booked = now booked { $when }
offers-give-slot = Give them this slot
