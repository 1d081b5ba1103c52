# पहली बार: नया क्लिनिक या हेड ऑफ़िस से जुड़ना।

gates-first-run = — पहली बार शुरू
gates-how-desk-starts = यह डेस्क कैसे शुरू हो
gates-new-clinic = नया क्लिनिक
gates-join-head-office = हेड ऑफ़िस से जुड़ें

# डेटाबेस की कुंजी कहाँ रखी जाए।

gates-key-where = डेटाबेस की कुंजी कहाँ रखी जाए
gates-key-keyring = इस कंप्यूटर का कीरिंग (सुझाया गया)
gates-key-passphrase = एक पासफ़्रेज़, जो ऐप शुरू होने पर टाइप किया जाए
gates-no-keyring = इस कंप्यूटर पर कोई कीरिंग जवाब नहीं दे रहा, इसलिए कुंजी पासफ़्रेज़ से सुरक्षित की जाएगी।
gates-database-passphrase = डेटाबेस पासफ़्रेज़
gates-passphrase-hint = कम से कम { $count } अक्षर। इसके बिना डेटाबेस नहीं खुल सकता: इसे संभालकर रखें।

# नया क्लिनिक सेट करना।

gates-setup-title = इस फ्रंट डेस्क को सेट करें
gates-clinic-name = क्लिनिक का नाम
gates-your-name = आपका नाम
gates-your-login = आपका लॉगिन
gates-login-hint = अक्षर, अंक, बिंदु और डैश, जैसे anna.k
gates-your-password = आपका पासवर्ड
gates-password-hint = कम से कम { $count } अक्षर
gates-create-clinic = क्लिनिक बनाएँ
gates-explore-demo = डेमो डेटा के साथ देखें
gates-demo-hint = डेमो डेटा: एक काल्पनिक क्लिनिक, नकली मरीज़, तीन डॉक्टर और चार सप्ताह के अपॉइंटमेंट। डेमो स्टाफ़ (priya, sam, dr.mehta…) का पासवर्ड वही है जो आपने चुना है।
gates-creating = एन्क्रिप्टेड डेटाबेस बनाया जा रहा है…

# क्लिनिक के हेड ऑफ़िस से जुड़ना।

gates-join-title = अपने क्लिनिक के हेड ऑफ़िस से जुड़ें
gates-join-hint = हेड ऑफ़िस हर नए डेस्क को एक बार चलने वाला कोड देता है। क्लिनिक का स्टाफ़, मरीज़ और शेड्यूल पहले सिंक के साथ आ जाते हैं; उसके बाद स्टाफ़ अपने-अपने पासवर्ड से लॉग इन करता है।
gates-joining = जुड़ रहे हैं और क्लिनिक का डेटा ला रहे हैं…

# डेटाबेस खोलना, लॉग इन, लॉक।

gates-unlock-db-title = क्लिनिक का डेटाबेस खोलें
gates-unlock-db-hint = डेटाबेस एक पासफ़्रेज़ से सुरक्षित है।
gates-open = खोलें
gates-log-in = लॉग इन करें
gates-login = लॉगिन
gates-password = पासवर्ड
gates-locked = लॉक है
gates-locked-carry-on = { $name }, आगे बढ़ने के लिए अपना पासवर्ड टाइप करें।
gates-locked-hint = कुछ देर तक इस्तेमाल न होने पर डेस्क अपने-आप लॉक हो जाता है, ताकि मरीज़ों की जानकारी स्क्रीन पर खुली न रहे।
gates-unlock = अनलॉक करें
gates-someone-else = कोई और? लॉग इन करें

# नया पासवर्ड।

gates-passwords-differ = दोनों नए पासवर्ड अलग हैं: एक ही पासवर्ड दो बार टाइप करें।
gates-forced-title = नया पासवर्ड चुनें
gates-forced-hint = यह पासवर्ड आपको मैनेजर ने दिया है। आगे बढ़ने से पहले अपना खुद का पासवर्ड चुनें: इसे सिर्फ़ आपको पता होना चाहिए।
gates-change-title = अपना पासवर्ड बदलें
gates-change-hint = अपना मौजूदा पासवर्ड टाइप करें, फिर नया पासवर्ड दो बार।
gates-password-given = आपको दिया गया पासवर्ड
gates-password-current = मौजूदा पासवर्ड
gates-password-new = नया पासवर्ड (कम से कम { $count } अक्षर)
gates-password-again = नया पासवर्ड दोबारा
gates-password-save = नया पासवर्ड सहेजें

# डेस्क की सेटिंग्स।

settings-title = डेस्क की सेटिंग्स
settings-idle-lock = इतनी देर खाली रहने पर डेस्क लॉक हो
settings-idle-lock-hint = अनलॉक करने के लिए स्टाफ़ सदस्य से फिर से पासवर्ड पूछा जाता है।
settings-saved = सहेजा गया।

# क्लिनिक का स्टाफ़: बदलाव का नतीजा।

staff-added = { $name } अब { $login } से लॉग इन कर सकते हैं।
staff-role-changed = { $login } की भूमिका अब { $role } है।
staff-deactivated-said = { $login } अब लॉग इन नहीं कर सकते; उनका पुराना रिकॉर्ड बना रहेगा।
staff-reactivated-said = { $login } फिर से लॉग इन कर सकते हैं।
staff-reset-said = { $login } को नया पासवर्ड दें: अगली बार लॉग इन करने पर वे अपना खुद का पासवर्ड चुनेंगे।

# स्टाफ़ की तालिका।

staff-title = स्टाफ़
staff-name = नाम
staff-login = लॉगिन
staff-role = भूमिका
staff-status = स्थिति
staff-role-of = { $name } की भूमिका
staff-you = (आप)
staff-active = सक्रिय
staff-deactivated = निष्क्रिय
staff-reset-password = पासवर्ड रीसेट करें
staff-temporary-password = उन्हें देने के लिए नया पासवर्ड
staff-set-it = सेट करें
staff-deactivate = निष्क्रिय करें
staff-reactivate = फिर से सक्रिय करें

# सहकर्मी जोड़ना।

staff-add-title = सहकर्मी जोड़ें
staff-first-password = पहला पासवर्ड (कम से कम { $count } अक्षर)
staff-add = जोड़ें

# हेड ऑफ़िस में एनरोल करना: पता, कोड, सर्टिफ़िकेट अथॉरिटी।

enroll-not-pem = यह फ़ाइल PEM सर्टिफ़िकेट नहीं है।
enroll-server = हेड ऑफ़िस का पता
enroll-server-hint = जैसा हेड ऑफ़िस ने दिया है, जैसे https://office.example.in:8443
enroll-code = एनरोलमेंट कोड
enroll-code-hint = इस डेस्क के लिए हेड ऑफ़िस से मिला एक बार चलने वाला कोड
enroll-ca = हेड ऑफ़िस की सर्टिफ़िकेट अथॉरिटी (अगर हेड ऑफ़िस ने दी हो)
enroll-ca-hint = इसे पेस्ट करें, या हेड ऑफ़िस की भेजी फ़ाइल से पढ़ें। अगर हेड ऑफ़िस का सर्टिफ़िकेट किसी ऐसी अथॉरिटी से साइन है जिस पर यह कंप्यूटर भरोसा करता है, तो इसे खाली छोड़ दें।
enroll-ca-file = फ़ाइल से पढ़ें:

# हेड ऑफ़िस: सिंक की स्थिति।

office-asking = सिंक की स्थिति पूछी जा रही है…
office-title = हेड ऑफ़िस
office-not-enrolled = यह डेस्क अकेले काम करता है: यह किसी हेड ऑफ़िस में एनरोल नहीं है।
office-enroll-in-settings = इसे सेटिंग्स में एनरोल करें
office-manager-can-enroll = मैनेजर हेड ऑफ़िस से मिले कोड से इसे सेटिंग्स में एनरोल कर सकते हैं।
office-clinic = क्लिनिक
office-server = हेड ऑफ़िस
office-last-synced = आख़िरी सिंक
office-never = कभी नहीं
office-pending = भेजे जाने की प्रतीक्षा में
office-refused = हेड ऑफ़िस ने अस्वीकार किए
office-quarantined = यहाँ लागू नहीं हुए
office-changes = { $count ->
        [0] कोई नहीं
        [one] 1 बदलाव
       *[other] { $count } बदलाव
    }
office-last-sync-failed = पिछला सिंक विफल रहा: { $error }।
office-restored = हेड ऑफ़िस का डेटा एक पुरानी कॉपी से वापस लाया गया ({ $when })। इस डेस्क ने अपने पास का सब कुछ फिर से भेज दिया, इसलिए यहाँ किया गया कोई काम खोया नहीं है।
office-syncing = सिंक हो रहा है…
office-sync-now = अभी सिंक करें
office-synced = सिंक हो गया: { $sent } भेजे, { $received } मिले।
office-new-conflicts = नीचे { $count } नए टकराव हैं।
office-resent = हेड ऑफ़िस का डेटा एक पुरानी कॉपी से वापस लाया गया था: इस डेस्क ने अपना डेटा फिर से भेज दिया।

# हेड ऑफ़िस: टकराव।

office-conflicts = टकराव ({ $count })
office-no-conflicts = देखने को कुछ नहीं: यहाँ और हेड ऑफ़िस के सभी बदलाव मेल खाते हैं।
office-conflicts-hint = जहाँ इस डेस्क और किसी दूसरे ने एक ही चीज़ बदली, या हेड ऑफ़िस कोई बदलाव नहीं ले सका। जो मान्य हुआ उसे रखें, या इस डेस्क का मान फिर से लिखें।
office-a-record = एक { $entity } रिकॉर्ड
office-lost-edit = दो जगह बदला गया
office-lost-edit-what = { $subject } का { $field }
office-a-field = एक फ़ील्ड
office-booking-rejected = बुकिंग नहीं रखी गई
office-booking-rejected-what = { $subject } का एक अपॉइंटमेंट
office-refused-title = हेड ऑफ़िस ने अस्वीकार किया
office-refused-what = { $subject } में एक बदलाव
office-quarantined-title = यहाँ लागू नहीं हुआ
office-quarantined-what = हेड ऑफ़िस से { $subject } में आया एक बदलाव
office-open-card = कार्ड खोलें
office-this-desk = यह डेस्क:
office-kept = रखा गया:
office-keep-theirs = जो मान्य हुआ उसे रखें
office-reapply-mine = मेरा मान फिर से लिखें
office-dismiss = देख लिया, हटाएँ
office-field-given = पहला नाम
office-field-family = उपनाम
office-field-preferred = पसंदीदा नाम
office-field-phones = फ़ोन नंबर
office-field-starts-at = समय
office-empty = (खाली)

# सेटिंग्स: इस डेस्क को एनरोल करना।

office-enrolled = एनरोल हो गया। यह डेस्क अब बैकग्राउंड में हेड ऑफ़िस के साथ सिंक होता है।
office-open-status = सिंक की स्थिति और टकराव
office-enroll-again = नए कोड से फिर से एनरोल करें
office-enroll-again-hint = ऐसे डेस्क के लिए जिसे हेड ऑफ़िस ने हटाया या कहीं और ले जाया गया: जो कुछ इसने अभी तक नहीं भेजा, वह इसके पास रहेगा।
office-enroll-hint = इस डेस्क को एनरोल करें ताकि इसके मरीज़ और अपॉइंटमेंट हेड ऑफ़िस में रखे जाएँ और क्लिनिक के दूसरे डेस्क के साथ साझा हों। अभी इसमें जो है, वह पहले सिंक के साथ ऊपर चला जाएगा।
office-enrolling = एनरोल हो रहा है…
office-enroll-submit = इस डेस्क को एनरोल करें
