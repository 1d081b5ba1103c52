# शेल: ऊपर की पट्टी, नेविगेशन, शुरुआत।

app-cannot-open = Rapport क्लिनिक का डेटाबेस नहीं खोल पा रहा
app-opening = खुल रहा है…
app-screens = स्क्रीन
app-shortcut = Alt+{ $key }
app-tab-front-desk = फ्रंट डेस्क
app-tab-today = आज
app-tab-new-patient = नया मरीज़
app-tab-call-list = कॉल सूची
app-tab-glance = डॉक्टर की झलक
app-tab-figures = आँकड़े
app-tab-records = रिकॉर्ड
app-tab-settings = सेटिंग्स
app-head-office-title = मुख्य कार्यालय: सिंक की स्थिति और टकराव (Alt+6)
app-language = भाषा
app-password = पासवर्ड
app-lock = लॉक
app-lock-title = लॉक करें (Ctrl+L)

# The head-office indicator (top bar, login screen, head-office screen), its parts joined by " · ".
sync-not-connected = मुख्य कार्यालय से नहीं जुड़ा
sync-not-synced = अभी सिंक नहीं हुआ
sync-synced-at = { $time } पर सिंक हुआ
sync-reachable = मुख्य कार्यालय: { $when }
sync-unreachable = मुख्य कार्यालय से संपर्क नहीं ({ $when })
sync-waiting = { $count } भेजने बाकी
sync-conflicts = { $count ->
    [one] { $count } टकराव
   *[other] { $count } टकराव
}
sync-not-applied = { $conflicts } ({ $count } यहाँ लागू नहीं हुए)
sync-messages-late = संदेश { $minutes } मिनट देर से
sync-messages-unsure = { $count ->
    [one] { $count } संदेश जाँचना है
   *[other] { $count } संदेश जाँचने हैं
}
