# फ्रंट डेस्क: खोज, दूसरे क्लिनिक, प्रतिबंधित रिकॉर्ड।

desk-find-patient = मरीज़ खोजें
desk-search-placeholder = नाम, फ़ोन या रिकॉर्ड नंबर
desk-matching-patients = मिलते-जुलते मरीज़
desk-no-match = कोई मरीज़ नहीं मिला।
desk-no-match-register = से नया मरीज़ रजिस्टर करें।
desk-search-hint = नाम के कुछ अक्षर, फ़ोन नंबर का कुछ हिस्सा या रिकॉर्ड नंबर लिखें। ↑ ↓ से चुनें, Enter से खोलें, Alt+I से आज के अपॉइंटमेंट का चेक-इन करें, Esc से कार्ड बंद करें।
desk-open-hint = मरीज़ को खोलें: किस बारे में बात करनी है, उनकी ज़रूरतें और उनके अपॉइंटमेंट यहाँ दिखेंगे।
desk-remote-none = मुख्य कार्यालय में भी इस नाम का कोई मरीज़ नहीं है।
desk-remote-known = दूसरे क्लिनिकों में दर्ज:
desk-remote-patients = दूसरे क्लिनिकों के मरीज़
desk-take-on = यहाँ जोड़ें
desk-asking-head-office = मुख्य कार्यालय से पूछ रहे हैं…
desk-search-head-office = मुख्य कार्यालय से दूसरे क्लिनिकों में खोजें
desk-restricted-title = प्रतिबंधित रिकॉर्ड
desk-restricted-explain = मैनेजर ने इस मरीज़ का रिकॉर्ड प्रतिबंधित किया है। बताइए कि आपको यह क्यों चाहिए: कारण आपके नाम के साथ दर्ज होगा और क्लिनिक के मैनेजरों को दिखेगा।
desk-restricted-reason = आप इसे क्यों खोल रहे हैं
desk-restricted-open = रिकॉर्ड खोलें

# रजिस्ट्रेशन: नया मरीज़ और हो सकने वाले डुप्लिकेट।

register-title = नया मरीज़
register-given = पहला नाम
register-family = उपनाम
register-preferred = किस नाम से बुलाना पसंद है
register-birth = जन्मतिथि
register-phone = फ़ोन
register-email = ईमेल
register-usual-doctor = नियमित डॉक्टर
register-no-doctor = — अभी कोई नहीं —
register-interpreter = दुभाषिया चाहिए (भाषा)
register-needs = विशेष ज़रूरतें
register-hard-of-hearing = कम सुनाई देता है
register-submit = मरीज़ रजिस्टर करें
register-later = बाकी जानकारी बाद में जोड़ी जा सकती है।
register-dupes-title = पहले से रजिस्टर्ड?
register-dupes-hint = जिन मरीज़ों का नाम और जन्मतिथि, या फ़ोन नंबर एक जैसा है, वे लिखते समय यहाँ दिखेंगे।
register-dupes-found = { $count ->
    [one] पहले से दर्ज { $count } मरीज़ यही व्यक्ति हो सकता है — सेव करने से पहले जाँच लें।
   *[other] पहले से दर्ज { $count } मरीज़ों में से कोई यही व्यक्ति हो सकता है — सेव करने से पहले जाँच लें।
}
register-match = { $band ->
    [possible] शायद वही: { $reasons }
    [probable] काफ़ी हद तक वही: { $reasons }
   *[certain] पक्का वही: { $reasons }
}
register-open = खोलें

# अपॉइंटमेंट बुक करना और बदलना, वेटिंग लिस्ट।

booking-title = अपॉइंटमेंट बुक करें
booking-move-title = अपॉइंटमेंट बदलें
booking-booked = बुक हो गया
booking-moved = बदल दिया गया
booking-back-to-patient = मरीज़ पर वापस जाएँ
booking-usual-doctor = नियमित डॉक्टर: { $doctor }
booking-doctor = डॉक्टर
booking-doctor-usual = { $doctor } (नियमित)
booking-day = दिन
booking-length = अवधि
booking-reason = कारण (वैकल्पिक)
booking-breaks-continuity = देखभाल की निरंतरता टूटेगी: { $patient } आमतौर पर { $doctor } को दिखाते हैं।
booking-another-doctor = किसी दूसरे डॉक्टर
booking-free-on = { $day } को खाली स्लॉट
booking-looking = खाली स्लॉट देखे जा रहे हैं…
booking-day-off = { $doctor } — { $why }। कोई दूसरा दिन या डॉक्टर चुनें।
booking-no-slots = इस दिन कोई स्लॉट खाली नहीं है। अगला दिन देखें।
booking-free-slots = खाली स्लॉट
booking-waitlisted = { $patient } वेटिंग लिस्ट में हैं: स्लॉट खाली होने पर उन्हें दिया जाएगा।
booking-waitlist-hint = जल्दी का कोई स्लॉट नहीं? उन्हें वेटिंग लिस्ट में डालें; रद्द हुआ स्लॉट पहले आओ, पहले पाओ के आधार पर दिया जाता है।
booking-any-doctor = कोई भी डॉक्टर
booking-waitlist-add = वेटिंग लिस्ट में डालें

# कॉल सूची: किसे फ़ोन करना है और हर कॉल का नतीजा।

calls-title = कॉल सूची
calls-hint = आज किसे फ़ोन करना है, सबसे पुराना पहले। हर कॉल का नतीजा चुनें; “जवाब नहीं मिला” के अलावा कोई भी नतीजा इसे सभी डेस्क की सूची से हटा देता है।
calls-nobody = किसी को फ़ोन नहीं करना है। बहुत बढ़िया।
calls-no-phone = फ़ोन नंबर दर्ज नहीं
calls-since = { $day } से
calls-talk-about = बातचीत के लिए: { $talk }
calls-tried-before = पहले कोशिश की: { $outcome }
calls-open-patient = मरीज़ खोलें
calls-done = { $name }: { $outcome } — पूरा।
calls-kept = { $name }: { $outcome } — दोबारा कोशिश के लिए सूची में रखा गया।

# मरीज़ कॉल सूची में क्यों है।

calls-reason-no-show = अपॉइंटमेंट छूट गया: दोबारा बुक करने के लिए फ़ोन करें
calls-reason-follow-up = विज़िट के बाद हालचाल का फ़ोन
calls-reason-recall = दोबारा जाँच का समय: चेक-अप के लिए बुलाएँ
calls-reason-reminder = फ़ोन पसंद करते हैं: विज़िट की याद दिलाएँ और पुष्टि करें
calls-reason-undelivered = संदेश नहीं पहुँच सका: इसके बजाय फ़ोन करें
calls-reason-call-back = वापस फ़ोन करने को कहा है
calls-reason-cannot-come = नहीं आ सकते: दोबारा बुक करने के लिए फ़ोन करें
calls-reason-reply-unclear = संदेश का जवाब आया है: जवाब पढ़ें और फ़ोन करें

# डॉक्टर की झलक।

glance-patient = मरीज़
glance-waiting = { $time } से इंतज़ार
glance-nobody-else = आज इस डॉक्टर के पास और कोई बुक नहीं है।
glance-doctor = डॉक्टर
glance-still-to-see = आज अभी देखने बाकी

# मरीज़ का कार्ड: ऊपर का हिस्सा और बटन।

card-age = { $years } वर्ष
card-say-it = ऐसे बोलें: { $say }
card-book = बुक करें
card-walk-in = वॉक-इन
card-walk-in-title = बिना बुकिंग आए हैं: अभी चेक-इन करें, बुक किए मरीज़ों के साथ कतार में
card-edit = जानकारी बदलें
card-restrict = रिकॉर्ड प्रतिबंधित करें
card-lift-restriction = प्रतिबंध हटाएँ
card-restrict-title = प्रतिबंधित रिकॉर्ड सिर्फ़ कारण बताकर खुलता है, जो मैनेजरों को दिखता है
card-restricted = प्रतिबंधित रिकॉर्ड: कारण बताकर खोला गया, क्लिनिक के मैनेजरों के लिए दर्ज।
card-also-holds = इसमें ये रिकॉर्ड भी जुड़े हैं:
card-merged = { $name } ({ $record }), { $when } को जोड़ा गया
card-undo = वापस लें

# मरीज़ का कार्ड: जानकारी, ज़रूरतें और सहमति।

card-needs = विशेष ज़रूरतें
card-phone = फ़ोन
card-usual-doctor = नियमित डॉक्टर
card-born = जन्म
card-last-visit = पिछली विज़िट
card-language = भाषा
card-comes-with = साथ आते हैं
card-consent = सहमति
card-channel-sms = SMS
card-channel-email = ईमेल
card-channel-phone = फ़ोन
card-consent-yes = { $channel } हाँ
card-consent-no = { $channel } नहीं
card-no-marketing = प्रचार संदेश नहीं
card-quiet = शांत समय { $from }–{ $until }

# मरीज़ का कार्ड: बातचीत के मुद्दे, अपॉइंटमेंट, कॉल और संदेश।

card-talk-about = किस बारे में बात करें
card-talk-empty = अभी कुछ नहीं। कुछ पता चला? नीचे जोड़ें।
card-avoid = इन बातों से बचें
card-appointments = अपॉइंटमेंट
card-today = आज
card-check-in = चेक-इन करें
card-last = पिछला
card-next = अगला
card-move = बदलें
card-earlier-appointments = पिछले अपॉइंटमेंट ({ $count })
card-to-call = फ़ोन करना है
card-messages = संदेश
card-message-by = { $channel ->
    [sms] { $kind }, SMS से:
    [email] { $kind }, ईमेल से:
    [phone] { $kind }, फ़ोन से:
   *[none] { $kind }, —:
}

# कार्ड पर बातचीत का मुद्दा: उसके बटन और पुराने रूप।

card-revise-label = अब क्या लिखा जाए
card-do-not-raise = यह बात न छेड़ें:
card-new-since-visit = पिछली विज़िट के बाद नया
card-used-on = बात हुई: { $when }
card-earlier-versions = पहले के रूप
card-used-it = बात की
card-used-it-label = बात की: { $pointer }
card-change = बदलें
card-change-label = बदलें: { $pointer }
card-withdraw = हटाएँ
card-withdraw-label = हटाएँ: { $pointer }
card-withdraw-title = अब सही नहीं या गलती से दर्ज: यह कार्ड से हट जाएगा और इतिहास में रहेगा
card-earlier = पहले के रूप
card-earlier-label = पहले के रूप: { $pointer }

# बातचीत का नया मुद्दा जल्दी से जोड़ना।

card-capture = नई बात जोड़ें
card-capture-kind = प्रकार
card-capture-text = याद रखने लायक बात (Enter से सेव)
card-capture-placeholder = जैसे, मार्च में बेटी की शादी
card-capture-date = तारीख (वैकल्पिक)

# वॉक-इन।

card-walk-in-doctor = किसे दिखाना है
card-doctor-usual = { $doctor } (नियमित)
card-walk-in-reason = क्यों आए (वैकल्पिक)
card-walk-in-submit = वॉक-इन के रूप में चेक-इन करें

# मरीज़ की जानकारी बदलना।

edit-title = { $name } की जानकारी
edit-error-birth-date = जन्मतिथि सही तारीख नहीं है।
edit-error-quiet-hours = शांत समय के लिए शुरू और खत्म होने का समय, दोनों चाहिए।
edit-name = नाम
edit-given = पहला नाम
edit-family = उपनाम
edit-preferred = किस नाम से बुलाना पसंद है
edit-pronunciation = ऐसे बोलें (जैसे SHAH-nuh)
edit-birth = जन्मतिथि
edit-sex = लिंग
edit-sex-female = महिला
edit-sex-male = पुरुष
edit-sex-other = अन्य
edit-sex-unknown = पता नहीं
edit-language = भाषा
edit-reaching = संपर्क
edit-phones = फ़ोन नंबर (पहला नंबर कॉल के लिए; बीच में कॉमा लगाएँ)
edit-email = ईमेल
edit-address = पता
edit-city = शहर
edit-area = इलाका
edit-consent = सहमति
edit-texts = SMS
edit-emails = ईमेल
edit-calls = कॉल
edit-no-marketing = प्रचार संदेश नहीं (बधाई, अभियान)
edit-quiet-from = शांत समय शुरू
edit-quiet-until = शांत समय खत्म
edit-care = देखभाल
edit-usual-doctor = नियमित डॉक्टर
edit-referral = हमारे पास कैसे आए
edit-referring = रेफ़र करने वाले डॉक्टर
edit-conditions = बीमारी के टैग (बीच में कॉमा लगाएँ)
edit-needs = विशेष ज़रूरतें
edit-interpreter = दुभाषिया चाहिए (भाषा)
edit-other-need = कोई और ज़रूरत
edit-comes-with = साथ आते हैं
edit-att-name = नाम
edit-att-relation = रिश्ता
edit-att-phone = फ़ोन
edit-add-attendant = साथ आने वाले व्यक्ति को जोड़ें
