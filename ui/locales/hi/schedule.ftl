# आज की सूची: पंक्ति के बटन और उन्हें दबाने वाली कुंजियाँ।

schedule-action-check-in = चेक-इन
schedule-action-seen = डॉक्टर के पास
schedule-action-done = पूरा
schedule-action-no-show = नहीं आए
schedule-action-cancel = रद्द करें

# पिछले बदलाव का नतीजा।

schedule-notice-no-show = { $name } को "नहीं आए" दर्ज किया गया। दोबारा बुक करने की कॉल, कॉल सूची में जुड़ गई है।
schedule-notice-checked-in = { $name } का चेक-इन हो गया।
schedule-notice-status = { $name }: { $status }।
schedule-open-call-list = कॉल सूची खोलें

# ऊपर की पट्टी: दिन, कितने अपॉइंटमेंट, कौन प्रतीक्षा में है।

schedule-today = आज
schedule-summary = { $day } · { $count } अपॉइंटमेंट · { $walkins ->
        [0] { $waiting } प्रतीक्षा में
        [one] { $waiting } प्रतीक्षा में (1 वॉक-इन)
       *[other] { $waiting } प्रतीक्षा में ({ $walkins } वॉक-इन)
    }
schedule-day = दिन
schedule-week-view = सप्ताह देखें
schedule-keys-on-a-row = किसी पंक्ति पर:
schedule-key-check-in = चेक-इन
schedule-key-seen = डॉक्टर के पास
schedule-key-done = पूरा
schedule-key-no-show = नहीं आए
schedule-key-cancel = रद्द

# डॉक्टर का कॉलम और उसकी पंक्तियाँ।

schedule-no-appointments = इस दिन कोई अपॉइंटमेंट नहीं है।
schedule-appointments-with = { $doctor } के अपॉइंटमेंट
schedule-time = समय
schedule-patient = मरीज़
schedule-status-wait = स्थिति · प्रतीक्षा
schedule-walk-in = वॉक-इन
schedule-wait-apologise = { $wait } से प्रतीक्षा में — माफ़ी माँगें।
schedule-talk-about = इस बारे में बात करें: { $topic }
schedule-wait-long = देर हो रही है — उन्हें बताते रहें।
schedule-confirmed-by = { $channel } से
schedule-in-queue = कतार में { $place }
schedule-wait-title = बुक किए समय और आने के समय में से जो बाद में हो, तब से प्रतीक्षा

# प्रतीक्षा सूची।

schedule-waitlist = प्रतीक्षा सूची
schedule-waitlist-empty = पहले के स्लॉट के लिए कोई प्रतीक्षा में नहीं है। बुकिंग स्क्रीन से मरीज़ जोड़ें।
schedule-with = डॉक्टर
schedule-now-booked = अभी बुक
schedule-since = कब से
schedule-any-doctor = कोई भी डॉक्टर

# डॉक्टर का सप्ताह।

week-title = सप्ताह
week-doctor-slots = { $doctor } · { $minutes } मिनट के स्लॉट
week-doctor = डॉक्टर
week-previous-title = पिछला सप्ताह ([)
week-previous = ← पिछला
week-this-week = यह सप्ताह
week-next-title = अगला सप्ताह (])
week-next = अगला →
week-todays-list = आज की सूची
week-walk-in = वॉक-इन
week-free = { $count ->
        [0] पूरा बुक
        [one] 1 स्लॉट खाली
       *[other] { $count } स्लॉट खाली
    }

# काम के घंटे और छुट्टी (सेटिंग्स)।

hours-saved = घंटे सहेजे गए: अब से खाली स्लॉट इन्हीं के हिसाब से होंगे।
hours-bad-day = { $day }: समय ऐसे लिखें: 09:00-13:00, 17:00-20:00 (छुट्टी के दिन खाली छोड़ें)
hours-choose-days = छुट्टी का पहला दिन चुनें (और एक से ज़्यादा दिन हो तो आख़िरी दिन भी)।
hours-time-off-added = { $booked ->
        [0] छुट्टी जोड़ दी गई।
        [one] छुट्टी जोड़ दी गई। उस समय 1 अपॉइंटमेंट पहले से बुक है: उसे दूसरे समय पर करें।
       *[other] छुट्टी जोड़ दी गई। उस समय { $booked } अपॉइंटमेंट पहले से बुक हैं: उन्हें दूसरे समय पर करें।
    }
hours-whole-clinic = पूरा क्लिनिक
hours-a-doctor = एक डॉक्टर
hours-title = काम के घंटे और छुट्टी
hours-doctor = डॉक्टर
hours-sessions-hint = हर दिन के सत्र, जैसे 09:00-13:00, 17:00-20:00। जिस दिन काम नहीं करते, वह दिन खाली छोड़ दें।
hours-day-off = छुट्टी
hours-slots-every = हर स्लॉट की अवधि
hours-save = घंटे सहेजें
hours-time-off = छुट्टी
hours-no-time-off = आगे किसी की छुट्टी या क्लिनिक बंद होने का कोई दिन नहीं है।
hours-who = कौन
hours-from = से
hours-to = तक
hours-why = कारण
hours-whole-clinic-holiday = पूरा क्लिनिक (छुट्टी)
hours-to-if-more = तक (अगर एक दिन से ज़्यादा हो)
hours-why-optional = कारण (वैकल्पिक)
hours-add-time-off = छुट्टी जोड़ें

# खाली हुआ स्लॉट, प्रतीक्षा सूची के लिए।

offers-taken = अब यह स्लॉट { $name } का है।
offers-title = फिर से खाली: { $when } ({ $minutes } मिनट)। ऐसे स्लॉट की प्रतीक्षा में:
offers-now-booked = अभी बुक: { $when }
offers-give-slot = इन्हें यह स्लॉट दें
