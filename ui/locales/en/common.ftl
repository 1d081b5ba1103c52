# Words several screens share: the model's words (statuses, roles, kinds), weekdays, buttons.

status-booked = Booked
status-confirmed = Confirmed
status-arrived = Arrived
status-with-doctor = With doctor
status-done = Done
status-cancelled = Cancelled
status-no-show = No-show

role-front-desk = Front desk
role-clinician = Clinician
role-manager = Manager
role-admin = Admin

pointer-kind-life-event = Life event
pointer-kind-family = Family
pointer-kind-travel = Travel
pointer-kind-work = Work
pointer-kind-hobby = Hobby
pointer-kind-preference = Preference
pointer-kind-avoid-topic = Avoid topic

message-kind-reminder = Appointment reminder
message-kind-no-show = Missed appointment
message-kind-recall = Recall
message-kind-birthday = Birthday greeting
message-kind-follow-up = Follow-up after a visit
message-kind-campaign = Campaign
message-kind-survey = Satisfaction survey

message-status-queued = waiting to send
message-status-claimed = sending
message-status-sent = sent
message-status-delivered = delivered
message-status-failed = failed
message-status-undeliverable = not delivered
message-status-uncertain = may have gone: being checked
message-status-cancelled = cancelled
message-status-skipped = not sent
message-status-call = to phone
message-status-holdout = not sent: in the campaign's comparison group
message-status-paused = waiting: campaign paused

outcome-reached = Reached
outcome-no-answer = No answer
outcome-rebooked = Rebooked
outcome-wrong-number = Wrong number

report-no-shows = No-shows
report-waiting = Waiting time
report-visits = Visits, new and returning patients
report-referrals = Referral sources
report-geography = Where patients live
report-conditions = Condition mix

channel-sms = SMS
channel-email = email
channel-phone = phone

need-wheelchair = Wheelchair
need-hearing = Hearing
need-vision = Vision
need-interpreter = Interpreter: { $language }
need-early = Prefers early slots
need-late = Prefers late slots

likeness-same-name = same name
likeness-similar-name = similar name
likeness-names-swapped = names swapped
likeness-same-birth-date = same birth date
likeness-swapped-birth-date = birth day and month swapped
likeness-same-birth-year = same birth year
likeness-age-matches = age matches
likeness-same-phone = same phone
likeness-same-email = same email
likeness-same-postcode = same postcode

weekday-0 = Monday
weekday-1 = Tuesday
weekday-2 = Wednesday
weekday-3 = Thursday
weekday-4 = Friday
weekday-5 = Saturday
weekday-6 = Sunday

day-off-leave = on leave
day-off-leave-why = on leave ({ $why })
day-off-holiday = clinic closed
day-off-holiday-why = clinic closed ({ $why })
day-off-no-hours = not working this day

today = today
loading = Loading…
back = Back
save = Save
cancel = Cancel
remove = Remove
none = none
minutes = { $minutes } min
actions = Actions

# Dates, as format.rs puts them together.
date-day = { $weekday } { $day } { $month } { $year }
date-short = { $weekday } { $day } { $month }
date-plain = { $day } { $month } { $year }
date-today-at = today, { $time }
date-day-at = { $day }, { $time }
date-about-year = about { $year }
hours-minutes = { $hours } h { $minutes }
weekday-short-0 = Mon
weekday-short-1 = Tue
weekday-short-2 = Wed
weekday-short-3 = Thu
weekday-short-4 = Fri
weekday-short-5 = Sat
weekday-short-6 = Sun
month-short-1 = Jan
month-short-2 = Feb
month-short-3 = Mar
month-short-4 = Apr
month-short-5 = May
month-short-6 = Jun
month-short-7 = Jul
month-short-8 = Aug
month-short-9 = Sep
month-short-10 = Oct
month-short-11 = Nov
month-short-12 = Dec
