# रिकॉर्ड: पेज।

records-title = रिकॉर्ड

# रिकॉर्ड: संभावित डुप्लिकेट की जाँच।

records-dup-title = संभावित डुप्लिकेट
records-dup-hint = यहाँ दर्ज मरीज़ों के ऐसे जोड़े जो एक ही व्यक्ति हो सकते हैं। आपके कहे बिना कुछ भी मर्ज नहीं होगा।
records-dup-show = दिखाएँ
records-dup-certain = पक्के मेल
records-dup-probable = पक्के और संभावित
records-dup-possible = हर संभव मेल
records-undo = पहले जैसा करें
records-unmerged = दोनों रिकॉर्ड फिर से अलग हो गए।
records-not-undone = पहले जैसा नहीं हो सका: { $why }
records-comparing = सभी मरीज़ों की तुलना हो रही है…
records-dup-none = यहाँ कोई भी दो मरीज़ एक जैसे नहीं दिखते।
records-col-match = मेल
records-col-one = एक रिकॉर्ड
records-col-other = दूसरा रिकॉर्ड
records-col-why = क्यों
records-review = जाँचें
records-band-certain = पक्का
records-band-probable = संभावित
records-band-possible = संभव

# रिकॉर्ड: मर्ज में किसी फ़ील्ड का मान और नाम।

records-yes = हाँ
records-no = नहीं
records-consent-sms = SMS
records-consent-email = ईमेल
records-consent-phone = फ़ोन
records-consent-opted-out = मना किया
records-field-given = पहला नाम
records-field-family = उपनाम
records-field-preferred = पसंदीदा नाम
records-field-pronunciation = उच्चारण
records-field-birth-date = जन्मतिथि
records-field-birth-year = जन्म वर्ष
records-field-sex = लिंग
records-field-gender = जेंडर
records-field-language = भाषा
records-field-email = ईमेल
records-field-address = पता
records-field-city = शहर
records-field-area = इलाका
records-field-consent = सहमति
records-field-referral-source = रेफ़रल का स्रोत
records-field-referring-doctor = रेफ़र करने वाले डॉक्टर
records-field-usual-doctor = नियमित डॉक्टर

# रिकॉर्ड: दो रिकॉर्ड मर्ज करना।

records-merged = { $gone } को { $kept } में मर्ज कर दिया गया।
records-reading-both = दोनों रिकॉर्ड पढ़े जा रहे हैं…
records-keep = रखें:
records-merge-away = मर्ज करके हटाएँ:
records-agree = दोनों रिकॉर्ड में जो फ़ील्ड हैं, वे सब एक जैसे हैं।
records-merge-hint = दोनों के फ़ोन, बीमारी के टैग, ज़रूरतें और साथ आने वाले लोग रखे जाते हैं। हटाए जा रहे रिकॉर्ड के अपॉइंटमेंट, पॉइंटर और संदेश रखे गए रिकॉर्ड में चले जाते हैं। जब तक आप कुछ और न चुनें, नए रिकॉर्ड का मान लिया जाता है।
records-merge-label = दो रिकॉर्ड मर्ज करें
records-merge = मर्ज करें
records-swap = इसकी जगह दूसरा रिकॉर्ड रखें
records-not-now = अभी नहीं

# रिकॉर्ड: फ़ाइल से रिकॉर्ड लाना।

records-unreadable = वह फ़ाइल पढ़ी नहीं जा सकी।
records-import-title = रिकॉर्ड लाएँ
records-import-hint = आपके HIS, EMR या स्प्रेडशीट (CSV) का एक्सपोर्ट, या HL7 FHIR बंडल। पहले जाँच लें: इम्पोर्ट करने तक कुछ भी सेव नहीं होता, और जिस फ़ाइल की कोई पंक्ति अस्वीकार हुई हो वह बिल्कुल इम्पोर्ट नहीं होती।
records-import-what = क्या
records-file-patients = मरीज़ (CSV)
records-file-appointments = अपॉइंटमेंट (CSV)
records-file-fhir = FHIR बंडल (JSON)
records-import-dates = तारीखें
records-dates-as-file = जैसे फ़ाइल में हैं
records-import-file = जाँचने वाली फ़ाइल
records-check = जाँचें
records-import = इम्पोर्ट करें
records-progress-checking = { $total } में से { $done } पंक्तियाँ जाँची जा रही हैं
records-progress-writing = { $total } में से { $done } पंक्तियाँ सेव हो रही हैं
records-reading-file = फ़ाइल पढ़ी जा रही है…

# रिकॉर्ड: दूसरे सिस्टम के लिए रिकॉर्ड सेव करना।

records-export-title = दूसरे सिस्टम के लिए रिकॉर्ड सेव करें
records-export-hint = आपके Downloads फ़ोल्डर में सेव होता है और ऑडिट लॉग में दर्ज होता है।
records-export-everything = सब कुछ (FHIR बंडल)
records-saved-patients = { $count } मरीज़ { $path } में सेव किए गए।
records-saved-appointments = { $count } अपॉइंटमेंट { $path } में सेव किए गए।
records-saved-fhir = { $count } FHIR रिसोर्स { $path } में सेव किए गए।
records-not-encrypted = यह फ़ाइल एन्क्रिप्टेड नहीं है:
records-hand-over = इसे सुरक्षित तरीके से सौंपें और ज़रूरत ख़त्म होते ही डिलीट कर दें।

# रिकॉर्ड: जाँच या इम्पोर्ट में क्या मिला।

records-summary-imported = { $name } इम्पोर्ट हुई: { $created } नए बने, { $updated } अपडेट हुए, { $unchanged } में कोई बदलाव नहीं
records-summary-checked = { $name } जाँची गई: { $created } नए बनेंगे, { $updated } अपडेट होंगे, { $unchanged } में कोई बदलाव नहीं
records-summary-duplicates = { $count } पहले से दर्ज मरीज़ों जैसे दिखते हैं (नीचे संभावित डुप्लिकेट देखें)
records-refused = { $count } अस्वीकार: इन्हें ठीक किए जाने तक कुछ भी सेव नहीं होगा।
records-col-where = कहाँ
records-col-column = कॉलम

# रिकॉर्ड: प्रतिबंधित रिकॉर्ड किसने खोले।

records-break-glass-title = खोले गए प्रतिबंधित रिकॉर्ड
records-break-glass-none = किसी ने कोई प्रतिबंधित रिकॉर्ड नहीं खोला है।
records-col-when = कब
records-col-who = किसने
records-col-record = रिकॉर्ड
