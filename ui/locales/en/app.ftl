# The shell: top bar, navigation, start-up.

app-cannot-open = Rapport cannot open the clinic database
app-opening = Opening…
app-screens = Screens
app-shortcut = Alt+{ $key }
app-tab-front-desk = Front desk
app-tab-today = Today
app-tab-new-patient = New patient
app-tab-call-list = Call list
app-tab-glance = Doctor glance
app-tab-figures = Figures
app-tab-records = Records
app-tab-settings = Settings
app-head-office-title = Head office: sync status and conflicts (Alt+6)
app-language = Language
app-password = Password
app-lock = Lock
app-lock-title = Lock (Ctrl+L)

# The head-office indicator (top bar, login screen, head-office screen), its parts joined by " · ".
sync-not-connected = Not connected to head office
sync-not-synced = not synced yet
sync-synced-at = synced { $time }
sync-reachable = Head office: { $when }
sync-unreachable = Head office unreachable ({ $when })
sync-waiting = { $count } waiting
sync-conflicts = { $count ->
    [one] { $count } conflict
   *[other] { $count } conflicts
}
sync-not-applied = { $conflicts } ({ $count } not applied here)
sync-messages-late = messages { $minutes } min late
sync-messages-unsure = { $count ->
    [one] { $count } message to check
   *[other] { $count } messages to check
}
