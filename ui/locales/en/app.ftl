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
