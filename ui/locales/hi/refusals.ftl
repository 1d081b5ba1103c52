# What a refused operation says (rapport_model::Says): the core's sentences, in the staff
# member's language. Arguments: names and times as they are; a role, a status, a day off and a
# day already in words.
refusal-wrong-passphrase = यह पासफ़्रेज़ इस क्लिनिक का डेटाबेस नहीं खोलता।
refusal-passphrase-required = डेटाबेस खोलने के लिए उसका पासफ़्रेज़ लिखें।
refusal-passphrase-too-short = डेटाबेस पासफ़्रेज़ में कम से कम { $min } अक्षर होने चाहिए।
refusal-password-too-short = पासवर्ड में कम से कम { $min } अक्षर होने चाहिए।
refusal-password-same = नया पासवर्ड मौजूदा पासवर्ड से अलग होना चाहिए।
refusal-login-failed = अनजान लॉगिन या गलत पासवर्ड।
refusal-current-password-wrong = मौजूदा पासवर्ड सही नहीं है।
refusal-too-many-logins = बहुत सारे असफल लॉगिन; { $minutes } मिनट बाद फिर कोशिश करें या किसी मैनेजर से पूछें।
refusal-account-disabled = यह खाता बंद है।
refusal-password-reset = आपका पासवर्ड रीसेट किया गया था: पहले नया पासवर्ड चुनें।
refusal-desk-locked = डेस्क लॉक है: फिर से लॉग इन करें।
refusal-restricted = यह रिकॉर्ड प्रतिबंधित है: बताएँ कि आपको इसकी ज़रूरत क्यों है (यह दर्ज होता है और क्लिनिक के मैनेजरों को दिखता है)।
refusal-catching-up = यह डेस्क बैकअप से वापस लाया गया है; किसी के काम करने से पहले इसे एक बार मुख्य कार्यालय से सिंक करना होगा।
refusal-role-may-not = आपकी भूमिका ({ $role }) यह नहीं कर सकती।
refusal-login-taken = यह लॉगिन पहले से लिया हुआ है।
refusal-doctor-away = { $doctor }: { $day } को { $away }।
refusal-doctor-not-working = { $doctor } उस समय मरीज़ नहीं देखते: उस दिन का समय { $hours } है।
refusal-doctor-busy = { $doctor } की { $from }–{ $to } पर पहले से एक अपॉइंटमेंट है।
refusal-cannot-move = यह अपॉइंटमेंट बदला नहीं जा सकता: यह { $status } है।
refusal-cannot-change-status = यह अपॉइंटमेंट { $to } नहीं किया जा सकता: यह { $from } है।
refusal-not-on-waitlist = यह मरीज़ अब प्रतीक्षा सूची में नहीं है।
refusal-pointer-retracted = यह बात वापस ली जा चुकी है।
refusal-pointer-superseded = इस बात का नया संस्करण है; उसी का उपयोग करें।
refusal-head-office-unreachable = मुख्य कार्यालय से संपर्क नहीं हो पा रहा; डेस्क काम करता रहेगा और मौका मिलते ही सिंक करेगा।
refusal-name-missing = मरीज़ का पहला नाम या उपनाम होना चाहिए।
refusal-birth-date-in-future = जन्म तिथि भविष्य में है।
refusal-birth-date-too-old = जन्म तिथि 1880 से पहले की है।
refusal-birth-year-out-of-range = जन्म वर्ष 1880 और इस वर्ष के बीच नहीं है।
refusal-phone-too-short = फ़ोन नंबर में 3 से 15 अंक होने चाहिए।
