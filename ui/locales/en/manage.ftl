# Figures: the page.

figures-title = Figures
figures-hint = From this desk's data, offline. Head office sees every clinic's.

# Figures: who is in a segment, and saving it.

figures-segment-title = Who: a segment
figures-segment-tags = Condition tags
figures-segment-tags-example = diabetes, asthma
figures-segment-age-from = Age from
figures-segment-age-to = to
figures-segment-sex = Sex
figures-segment-sex-any = any
figures-segment-sex-f = F
figures-segment-sex-m = M
figures-segment-city = City
figures-segment-after = Last visit after
figures-segment-before = Last visit before
figures-segment-agreed = Agreed to
figures-segment-agreed-any = anything
figures-segment-agreed-sms = texts
figures-segment-agreed-email = email
figures-segment-agreed-phone = calls
figures-segment-counting = Counting…
# After the count, in bold: "12 patients".
figures-segment-patients = { $count ->
    [one] patient
   *[other] patients
}
figures-segment-example = For example:
figures-segment-save-as = Save as
figures-segment-name-example = Diabetics 40+
figures-segment-save = Save segment
figures-segment-saved = Saved as “{ $name }”: campaigns can use it.

# Figures: the reports form.

figures-reports-title = Reports
figures-report = Report
figures-report-from = From
figures-report-to = To
figures-report-export = Export CSV
figures-report-export-title = Save this report as a CSV file for a spreadsheet (recorded in the audit log)
figures-report-saved = Saved to { $path }

# Figures: the charts (titles, the standard's line, the unit after a count).

figures-chart-no-show-doctor = No-show rate by doctor
figures-chart-no-show-lead = No-show rate by how long before it was booked
figures-chart-wait-share = Seen within 30 minutes
figures-chart-wait-standard = the 90% standard
figures-chart-wait-spread = How late patients were seen (minutes)
figures-chart-unit-visits = visits

# Figures: the report tables' columns.

figures-col-by = By
figures-col-group = Group
figures-col-visits = Visits
figures-col-missed = Missed
figures-col-rate = Rate
figures-col-who = Who
figures-col-seen = Seen
figures-col-within = Within 30 min
figures-col-median = Median
figures-col-p90 = 90th percentile
figures-col-standard = Standard
figures-standard-met = met
figures-standard-below = below
figures-col-count = Count
figures-col-share = Share

# Figures: how a report groups (the "By" column).

figures-by-all = all
figures-by-doctor = doctor
figures-by-weekday = weekday
figures-by-hour = hour
figures-by-lead = lead
figures-by-confirmed = confirmed
figures-by-reminded = reminded
figures-by-visits = visits
figures-by-patients = patients
figures-by-visits-per-patient = visits per patient
figures-by-month = month
figures-by-registered = registered
figures-by-source = source
figures-by-referring-doctor = referring doctor
figures-by-city = city
figures-by-area = area
figures-by-condition = condition

# Figures: the report's own groups (doctors, places and tags are shown as recorded).

figures-group-all = all
figures-group-yes = yes
figures-group-no = no
figures-lead-same-day = same day
figures-lead-1-2 = 1-2 days
figures-lead-3-7 = 3-7 days
figures-lead-8 = 8+ days
figures-wait-on-time = on time or early
figures-wait-over-60 = over 60
figures-group-seen = seen
figures-group-new = new
figures-group-returning = returning
figures-group-came = came for a visit
figures-group-none-recorded = none recorded
figures-group-not-recorded = not recorded

# Figures: the campaigns list.

figures-campaigns-title = Campaigns
figures-campaigns-none = No campaigns yet. Save a segment, then set one up below.
figures-col-campaign = Campaign
figures-col-sends = Sends
figures-col-state = State
figures-col-sent = Sent
figures-col-held-out = Held out
figures-col-booked-sent = Booked (sent)
figures-col-booked-held-out = Booked (held out)
figures-col-lift = Lift
figures-col-cost = Cost per booking
figures-col-pause = Pause or resume
figures-state-paused = paused
figures-state-ran = ran
figures-state-waiting = waiting
# The lift in percentage points, e.g. "+4.2 pts".
figures-lift = { $points } pts
figures-pause = Pause
figures-resume = Resume
figures-pause-name = Pause { $name }
figures-resume-name = Resume { $name }
figures-campaign-paused = { $name } paused; head office hears of it at the next sync.
figures-campaign-resumed = { $name } resumed; head office hears of it at the next sync.

# Figures: setting up a campaign.

figures-new-title = Set up a campaign
figures-new-no-segment = Save a segment above first: a campaign goes to a saved segment.
figures-new-name = Name
figures-new-segment = Segment
figures-new-message = Message
figures-new-text-campaign = Campaign text (Messages settings)
figures-new-text-recall = Recall text
figures-new-text-birthday = Birthday text
figures-new-channel = Channel
figures-new-channel-sms = SMS
figures-new-channel-email = Email
figures-new-holdout = Held out (%)
figures-new-window = Booked within (days)
figures-new-cost = Cost per message
figures-new-send-at = Send at
figures-new-send-at-title = Leave empty to send now
figures-new-send-time-wrong = give the send time as a date and a time
figures-new-create = Set up campaign
figures-new-done = { $name } is set up: head office sends it at its time, after the next sync.

# Figures: surveys, their settings and what patients said.

figures-surveys-title = What patients said
figures-surveys-none = No survey answers yet.
figures-col-doctor = Doctor
figures-col-month = Month
figures-col-answers = Answers
figures-col-rating = Rating
figures-col-nps = NPS
figures-survey-title = Surveys after visits
figures-survey-on = Text or email patients a short survey after a visit
figures-survey-delay = Hours after the visit
figures-survey-doctors = After visits with (none ticked: every doctor)
figures-survey-delay-wrong = give the delay in whole hours
figures-survey-now-on = Surveys after visits are on.
figures-survey-now-off = Surveys after visits are off.
figures-survey-save = Save survey settings

# Messaging (Settings): what a save says.

messaging-settings-saved = Messaging settings saved. Head office sends by them once this desk has synced.
messaging-recall-saved = Patients tagged “{ $tag }” are recalled every { $months } months.
# $channel is sms, email or phone.
messaging-template-saved = { $kind } by { $channel } ({ $language }) saved.

# Messaging: one message text.

messaging-sms-parts = { $parts ->
    [one] { $parts } SMS part
   *[other] { $parts } SMS parts
}
messaging-sms-parts-unicode = { $parts ->
    [one] { $parts } SMS part, Unicode
   *[other] { $parts } SMS parts, Unicode
}
messaging-template-channel = { $channel ->
    [sms] SMS
    [phone] PHONE
   *[email] EMAIL
}
messaging-template-own = the clinic's own
messaging-template-default = Rapport's default
messaging-template-text = { $kind } text
messaging-dlt-example = DLT template id (India)
messaging-dlt = DLT template id
messaging-save-text = Save text

# Messaging: how the clinic sends.

messaging-title = Messages to patients
messaging-hint = Head office sends reminders, greetings and recalls by these settings, in the clinic's time zone; nothing goes in the quiet hours.
messaging-reminder-hours = Reminder, hours before the visit
messaging-second-reminder-hours = Second reminder, hours before (blank: none)
messaging-hold-minutes = Hold after booking, minutes
messaging-quiet-hours = Quiet hours
messaging-timezone = Time zone
messaging-birthday-hour = Birthday greetings at (hour)
messaging-birthday-offer = Offer a free check-up in greetings
messaging-weekly-cap = Greetings and offers per patient a week, at most
messaging-language = Clinic language
messaging-save-settings = Save settings

# Messaging: the texts and their slots ($slots is the list of slots, like {patient}).

messaging-templates-title = Message texts
messaging-slots = Slots: { $slots }. A text may use only the slots its kind has; nothing else about the patient is ever sent.

# Messaging: recall rules.

messaging-recalls-title = Recall rules
messaging-recalls-hint = Patients carrying a condition tag are recalled this often after their last visit: by message where they agreed to one, and on the call list.
messaging-recalls-none = No recall rules yet.
messaging-rule = { $tag }: every { $months } months
messaging-recall-tag-example = Condition tag, e.g. diabetes
messaging-recall-tag = Condition tag
messaging-recall-months-short = Months
messaging-recall-months = Every how many months
messaging-add-recall = Add or change
