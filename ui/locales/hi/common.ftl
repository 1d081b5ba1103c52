# कई स्क्रीन पर आने वाले शब्द: स्थिति, भूमिका, प्रकार, सप्ताह के दिन, बटन।

status-booked = बुक
status-confirmed = पुष्ट
status-arrived = आ गए
status-with-doctor = डॉक्टर के पास
status-done = पूरा
status-cancelled = रद्द
status-no-show = नहीं आए

role-front-desk = फ्रंट डेस्क
role-clinician = डॉक्टर
role-manager = मैनेजर
role-admin = एडमिन

pointer-kind-life-event = जीवन की घटना
pointer-kind-family = परिवार
pointer-kind-travel = यात्रा
pointer-kind-work = काम
pointer-kind-hobby = शौक
pointer-kind-preference = पसंद
pointer-kind-avoid-topic = इस विषय से बचें

message-kind-reminder = अपॉइंटमेंट की याद
message-kind-no-show = छूटा अपॉइंटमेंट
message-kind-recall = दोबारा जाँच की याद
message-kind-birthday = जन्मदिन की बधाई
message-kind-follow-up = विज़िट के बाद का हालचाल
message-kind-campaign = अभियान
message-kind-survey = संतुष्टि सर्वे

message-status-queued = भेजने की प्रतीक्षा में
message-status-claimed = भेजा जा रहा है
message-status-sent = भेजा गया
message-status-delivered = पहुँच गया
message-status-failed = विफल
message-status-undeliverable = नहीं पहुँचा
message-status-uncertain = शायद गया: जाँच हो रही है
message-status-cancelled = रद्द
message-status-skipped = नहीं भेजा
message-status-call = फ़ोन करना है
message-status-holdout = नहीं भेजा: अभियान के तुलना समूह में
message-status-paused = प्रतीक्षा में: अभियान रुका है

outcome-reached = बात हुई
outcome-no-answer = जवाब नहीं मिला
outcome-rebooked = फिर से बुक किया
outcome-wrong-number = गलत नंबर

report-no-shows = न आने वाले
report-waiting = प्रतीक्षा का समय
report-visits = विज़िट, नए और लौटते मरीज़
report-referrals = रेफ़रल के स्रोत
report-geography = मरीज़ कहाँ रहते हैं
report-conditions = बीमारियों का मिश्रण

channel-sms = SMS
channel-email = ईमेल
channel-phone = फ़ोन

need-wheelchair = व्हीलचेयर
need-hearing = सुनने में कठिनाई
need-vision = देखने में कठिनाई
need-interpreter = दुभाषिया: { $language }
need-early = सुबह के स्लॉट पसंद
need-late = देर के स्लॉट पसंद

likeness-same-name = वही नाम
likeness-similar-name = मिलता-जुलता नाम
likeness-names-swapped = नाम उलटे
likeness-same-birth-date = वही जन्मतिथि
likeness-swapped-birth-date = जन्म का दिन और महीना उलटे
likeness-same-birth-year = वही जन्म वर्ष
likeness-age-matches = उम्र मिलती है
likeness-same-phone = वही फ़ोन
likeness-same-email = वही ईमेल
likeness-same-postcode = वही पिनकोड

weekday-0 = सोमवार
weekday-1 = मंगलवार
weekday-2 = बुधवार
weekday-3 = गुरुवार
weekday-4 = शुक्रवार
weekday-5 = शनिवार
weekday-6 = रविवार

day-off-leave = छुट्टी पर
day-off-leave-why = छुट्टी पर ({ $why })
day-off-holiday = क्लिनिक बंद
day-off-holiday-why = क्लिनिक बंद ({ $why })
day-off-no-hours = इस दिन काम नहीं करते

today = आज
loading = लोड हो रहा है…
back = वापस
save = सहेजें
cancel = रद्द करें
remove = हटाएँ
none = कोई नहीं
minutes = { $minutes } मिनट
actions = कार्य

# तारीखें, जैसे format.rs उन्हें जोड़ता है।
date-day = { $weekday }, { $day } { $month } { $year }
date-short = { $weekday }, { $day } { $month }
date-plain = { $day } { $month } { $year }
date-today-at = आज, { $time }
date-day-at = { $day }, { $time }
date-about-year = लगभग { $year }
hours-minutes = { $hours } घं { $minutes } मि
weekday-short-0 = सोम
weekday-short-1 = मंगल
weekday-short-2 = बुध
weekday-short-3 = गुरु
weekday-short-4 = शुक्र
weekday-short-5 = शनि
weekday-short-6 = रवि
month-short-1 = जन॰
month-short-2 = फ़र॰
month-short-3 = मार्च
month-short-4 = अप्रैल
month-short-5 = मई
month-short-6 = जून
month-short-7 = जुल॰
month-short-8 = अग॰
month-short-9 = सित॰
month-short-10 = अक्तू॰
month-short-11 = नव॰
month-short-12 = दिस॰
