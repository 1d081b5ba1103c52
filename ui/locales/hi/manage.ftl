# आँकड़े: पेज।

figures-title = आँकड़े
figures-hint = इस डेस्क के डेटा से, ऑफ़लाइन। मुख्य कार्यालय सभी क्लिनिकों के आँकड़े देखता है।

# आँकड़े: सेगमेंट में कौन है, और उसे सेव करना।

figures-segment-title = किसे: एक सेगमेंट
figures-segment-tags = बीमारी के टैग
figures-segment-tags-example = डायबिटीज़, अस्थमा
figures-segment-age-from = न्यूनतम उम्र
figures-segment-age-to = अधिकतम उम्र
figures-segment-sex = लिंग
figures-segment-sex-any = कोई भी
figures-segment-sex-f = महिला
figures-segment-sex-m = पुरुष
figures-segment-city = शहर
figures-segment-after = आख़िरी विज़िट इसके बाद
figures-segment-before = आख़िरी विज़िट इससे पहले
figures-segment-agreed = सहमति
figures-segment-agreed-any = कोई भी
figures-segment-agreed-sms = SMS
figures-segment-agreed-email = ईमेल
figures-segment-agreed-phone = कॉल
figures-segment-counting = गिनती हो रही है…
# गिनती के बाद, मोटे अक्षरों वाली संख्या के साथ: "12 मरीज़"।
figures-segment-patients = { $count ->
    [one] मरीज़
   *[other] मरीज़
}
figures-segment-example = उदाहरण:
figures-segment-save-as = इस नाम से सेव करें
figures-segment-name-example = डायबिटीज़ 40+
figures-segment-save = सेगमेंट सेव करें
figures-segment-saved = “{ $name }” नाम से सेव हो गया: अभियान इसका इस्तेमाल कर सकते हैं।

# आँकड़े: रिपोर्ट का फ़ॉर्म।

figures-reports-title = रिपोर्ट
figures-report = रिपोर्ट
figures-report-from = इस तारीख से
figures-report-to = इस तारीख तक
figures-report-export = CSV एक्सपोर्ट करें
figures-report-export-title = यह रिपोर्ट स्प्रेडशीट के लिए CSV फ़ाइल के रूप में सेव करें (ऑडिट लॉग में दर्ज होता है)
figures-report-saved = { $path } में सेव हो गई

# आँकड़े: चार्ट (शीर्षक, मानक की रेखा, संख्या के बाद की इकाई)।

figures-chart-no-show-doctor = डॉक्टर के अनुसार न आने की दर
figures-chart-no-show-lead = कितने दिन पहले बुकिंग हुई, उसके अनुसार न आने की दर
figures-chart-wait-share = 30 मिनट के अंदर देखे गए
figures-chart-wait-standard = 90% का मानक
figures-chart-wait-spread = मरीज़ों को कितनी देर से देखा गया (मिनट)
figures-chart-unit-visits = विज़िट

# आँकड़े: रिपोर्ट की तालिकाओं के कॉलम।

figures-col-by = किस आधार पर
figures-col-group = समूह
figures-col-visits = विज़िट
figures-col-missed = छूटे
figures-col-rate = दर
figures-col-who = कौन
figures-col-seen = देखे गए
figures-col-within = 30 मिनट के अंदर
figures-col-median = मीडियन
figures-col-p90 = 90वाँ पर्सेंटाइल
figures-col-standard = मानक
figures-standard-met = पूरा हुआ
figures-standard-below = कम रहा
figures-col-count = संख्या
figures-col-share = हिस्सा

# आँकड़े: रिपोर्ट किस आधार पर बाँटती है ("किस आधार पर" कॉलम)।

figures-by-all = सभी
figures-by-doctor = डॉक्टर
figures-by-weekday = दिन
figures-by-hour = घंटा
figures-by-lead = कितने दिन पहले बुक
figures-by-confirmed = पुष्टि हुई
figures-by-reminded = रिमाइंडर गया
figures-by-visits = विज़िट
figures-by-patients = मरीज़
figures-by-visits-per-patient = प्रति मरीज़ विज़िट
figures-by-month = महीना
figures-by-registered = रजिस्टर हुए
figures-by-source = स्रोत
figures-by-referring-doctor = रेफ़र करने वाले डॉक्टर
figures-by-city = शहर
figures-by-area = इलाका
figures-by-condition = बीमारी

# आँकड़े: रिपोर्ट के अपने समूह (डॉक्टर, जगहें और टैग जैसे दर्ज हैं वैसे ही दिखते हैं)।

figures-group-all = सभी
figures-group-yes = हाँ
figures-group-no = नहीं
figures-lead-same-day = उसी दिन
figures-lead-1-2 = 1-2 दिन
figures-lead-3-7 = 3-7 दिन
figures-lead-8 = 8+ दिन
figures-wait-on-time = समय पर या पहले
figures-wait-over-60 = 60 से ज़्यादा
figures-group-seen = देखे गए
figures-group-new = नए
figures-group-returning = दोबारा आए
figures-group-came = विज़िट के लिए आए
figures-group-none-recorded = कोई दर्ज नहीं
figures-group-not-recorded = दर्ज नहीं

# आँकड़े: अभियानों की सूची।

figures-campaigns-title = अभियान
figures-campaigns-none = अभी कोई अभियान नहीं है। पहले एक सेगमेंट सेव करें, फिर नीचे अभियान बनाएँ।
figures-col-campaign = अभियान
figures-col-sends = कब भेजना है
figures-col-state = स्थिति
figures-col-sent = भेजे गए
figures-col-held-out = अलग रखे गए
figures-col-booked-sent = बुकिंग (भेजे गए)
figures-col-booked-held-out = बुकिंग (अलग रखे गए)
figures-col-lift = बढ़त
figures-col-cost = प्रति बुकिंग खर्च
figures-col-pause = रोकें या फिर से शुरू करें
figures-state-paused = रुका हुआ
figures-state-ran = चल चुका
figures-state-waiting = प्रतीक्षा में
# प्रतिशत अंकों में बढ़त, जैसे "+4.2 अंक"।
figures-lift = { $points } अंक
figures-pause = रोकें
figures-resume = फिर शुरू करें
figures-pause-name = { $name } रोकें
figures-resume-name = { $name } फिर शुरू करें
figures-campaign-paused = { $name } रोक दिया गया; अगले सिंक पर मुख्य कार्यालय को इसकी जानकारी मिल जाएगी।
figures-campaign-resumed = { $name } फिर शुरू हो गया; अगले सिंक पर मुख्य कार्यालय को इसकी जानकारी मिल जाएगी।

# आँकड़े: अभियान बनाना।

figures-new-title = अभियान बनाएँ
figures-new-no-segment = पहले ऊपर एक सेगमेंट सेव करें: अभियान किसी सेव किए गए सेगमेंट को ही भेजा जाता है।
figures-new-name = नाम
figures-new-segment = सेगमेंट
figures-new-message = संदेश
figures-new-text-campaign = अभियान का टेक्स्ट (संदेश सेटिंग्स)
figures-new-text-recall = दोबारा जाँच की याद का टेक्स्ट
figures-new-text-birthday = जन्मदिन का टेक्स्ट
figures-new-channel = माध्यम
figures-new-channel-sms = SMS
figures-new-channel-email = ईमेल
figures-new-holdout = अलग रखें (%)
figures-new-window = इतने दिनों में बुकिंग
figures-new-cost = प्रति संदेश खर्च
figures-new-send-at = भेजने का समय
figures-new-send-at-title = अभी भेजने के लिए खाली छोड़ें
figures-new-send-time-wrong = भेजने का समय तारीख और समय, दोनों के साथ दें
figures-new-create = अभियान बनाएँ
figures-new-done = { $name } तैयार है: अगले सिंक के बाद मुख्य कार्यालय इसे तय समय पर भेजेगा।

# आँकड़े: सर्वे, उनकी सेटिंग्स और मरीज़ों के जवाब।

figures-surveys-title = मरीज़ों ने क्या कहा
figures-surveys-none = अभी सर्वे का कोई जवाब नहीं आया है।
figures-col-doctor = डॉक्टर
figures-col-month = महीना
figures-col-answers = जवाब
figures-col-rating = रेटिंग
figures-col-nps = NPS
figures-survey-title = विज़िट के बाद सर्वे
figures-survey-on = विज़िट के बाद मरीज़ों को SMS या ईमेल से एक छोटा सर्वे भेजें
figures-survey-delay = विज़िट के कितने घंटे बाद
figures-survey-doctors = इन डॉक्टरों की विज़िट के बाद (कोई नहीं चुना: सभी डॉक्टर)
figures-survey-delay-wrong = समय पूरे घंटों में दें
figures-survey-now-on = विज़िट के बाद सर्वे चालू हैं।
figures-survey-now-off = विज़िट के बाद सर्वे बंद हैं।
figures-survey-save = सर्वे सेटिंग्स सेव करें

# संदेश (सेटिंग्स): सेव करने पर क्या दिखता है।

messaging-settings-saved = संदेश सेटिंग्स सेव हो गईं। इस डेस्क के सिंक होने के बाद मुख्य कार्यालय इन्हीं के अनुसार भेजेगा।
messaging-recall-saved = “{ $tag }” टैग वाले मरीज़ों को हर { $months } महीने में दोबारा जाँच के लिए बुलाया जाएगा।
# $channel: sms, email या phone।
messaging-template-saved = { $kind } ({ $channel ->
    [sms] SMS
    [phone] फ़ोन
   *[email] ईमेल
}, { $language }) का टेक्स्ट सेव हो गया।

# संदेश: एक संदेश का टेक्स्ट।

messaging-sms-parts = { $parts ->
    [one] { $parts } SMS भाग
   *[other] { $parts } SMS भाग
}
messaging-sms-parts-unicode = { $parts ->
    [one] { $parts } SMS भाग, यूनिकोड
   *[other] { $parts } SMS भाग, यूनिकोड
}
messaging-template-channel = { $channel ->
    [sms] SMS
    [phone] फ़ोन
   *[email] ईमेल
}
messaging-template-own = क्लिनिक का अपना
messaging-template-default = Rapport का डिफ़ॉल्ट
messaging-template-text = { $kind } का टेक्स्ट
messaging-dlt-example = DLT टेम्पलेट आईडी (भारत)
messaging-dlt = DLT टेम्पलेट आईडी
messaging-save-text = टेक्स्ट सेव करें

# संदेश: क्लिनिक कैसे भेजता है।

messaging-title = मरीज़ों को संदेश
messaging-hint = मुख्य कार्यालय इन सेटिंग्स के अनुसार, क्लिनिक के टाइम ज़ोन में, रिमाइंडर, बधाइयाँ और दोबारा जाँच की याद भेजता है; शांत घंटों में कुछ नहीं भेजा जाता।
messaging-reminder-hours = रिमाइंडर, विज़िट से कितने घंटे पहले
messaging-second-reminder-hours = दूसरा रिमाइंडर, कितने घंटे पहले (खाली: कोई नहीं)
messaging-hold-minutes = बुकिंग के बाद रुकें, मिनट
messaging-quiet-hours = शांत घंटे
messaging-timezone = टाइम ज़ोन
messaging-birthday-hour = जन्मदिन की बधाई कितने बजे (घंटा)
messaging-birthday-offer = बधाई के साथ मुफ़्त चेक-अप का ऑफ़र दें
messaging-weekly-cap = हर मरीज़ को हफ़्ते में ज़्यादा से ज़्यादा बधाइयाँ और ऑफ़र
messaging-language = क्लिनिक की भाषा
messaging-save-settings = सेटिंग्स सेव करें

# संदेश: टेक्स्ट और उनके स्लॉट ($slots स्लॉट की सूची है, जैसे {patient})।

messaging-templates-title = संदेशों के टेक्स्ट
messaging-slots = स्लॉट: { $slots }। टेक्स्ट में सिर्फ़ वही स्लॉट आ सकते हैं जो उसके प्रकार में हैं; मरीज़ के बारे में इसके अलावा कुछ भी नहीं भेजा जाता।

# संदेश: दोबारा जाँच के नियम।

messaging-recalls-title = दोबारा जाँच के नियम
messaging-recalls-hint = जिन मरीज़ों पर बीमारी का टैग है, उन्हें आख़िरी विज़िट के बाद इतने समय पर दोबारा बुलाया जाता है: जहाँ उन्होंने सहमति दी है वहाँ संदेश से, और कॉल सूची में।
messaging-recalls-none = अभी दोबारा जाँच का कोई नियम नहीं है।
messaging-rule = { $tag }: हर { $months } महीने
messaging-recall-tag-example = बीमारी का टैग, जैसे डायबिटीज़
messaging-recall-tag = बीमारी का टैग
messaging-recall-months-short = महीने
messaging-recall-months = कितने महीनों में
messaging-add-recall = जोड़ें या बदलें
