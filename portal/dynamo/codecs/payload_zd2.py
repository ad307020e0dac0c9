"""The vocabulary of preset dictionary ZD2 (payload codec "zd2"), written by hand from generic
sources only: the JSON our ingest stores, field names of common form plugins (Contact Form 7,
WPForms, Gravity Forms, Elementor, Ninja Forms, HubSpot), the meta keys of DESIGN.md section 6,
user-agent strings of current browsers, referrers and mail domains, general form and
business vocabulary, everyday request phrasing and frequent English words.

Unlike ZD1 it holds nothing from a benchmark's or test's payload generator: no person names,
none of bench/ingest_bench.py's greetings, sign-offs, sentences or user agents
(tests/unit/test_payload_dictionary.py checks it). Deflate favours near references, so the
most common material comes LAST. Stored items depend on the exact bytes: never edit, add zd3.
"""
from __future__ import annotations

# Frequent English words (general word-frequency lists), least frequent first.
_COMMON = """
whose toward region thus simply nearly indeed perhaps rather quite either neither whether although
though unless until since while whereas during within without among between above below behind
beyond across along around inside outside upon onto into through throughout against except besides
already almost always often sometimes usually rarely never ever still yet soon later early late
again once twice today tonight tomorrow yesterday ago recently currently finally actually really
certainly probably possibly maybe especially exactly directly immediately quickly slowly easily
else instead otherwise therefore however moreover meanwhile anyway anyhow enough several various
each every both few many much more most less least other another such same different own whole
able about after all also and any are as ask at back be because been before being best better big
but by call can case change child come could day did different do does done down during end even
eye fact feel find first for from get give go good great group had hand has have he help her here
high him his home house how if important in into is it its just keep kind know large last leave
let life like line little long look made make man may me mean might money month more most move
much must my name need never new next no not now number of off old on one only or order other our
out over own part people place point problem program public put question read right room run said
same say school see seem set she should show side small so some start state still story student
study such system take tell than that the their them then there these they thing think this those
three through time to too try turn two under up us use very want was water way we week well were
what when where which while who why will with word work world would write year you young your
""".split()

# What forms are about (enquiries, bookings, orders, support, jobs, events), least frequent first.
_FORMS = """
warranty refund return exchange complaint feedback review rating survey testimonial subscription
membership renewal cancellation registration enrolment enrollment application vacancy position
career internship volunteer donation sponsorship partnership wholesale retail distributor supplier
catalogue catalog brochure sample samples delivery shipping shipment tracking parcel package
invoice invoices receipt billing payment deposit balance transfer instalment discount voucher
coupon price prices pricing cost costs fee fees rate rates budget quote quotation estimate offer
proposal contract agreement terms conditions privacy policy consent newsletter marketing
appointment appointments booking bookings reservation reservations availability schedule calendar
slot slots session sessions lesson lessons course courses class classes workshop seminar webinar
conference event events venue guests attendees tickets room rooms accommodation transport
customer customers client clients company business organisation organization team staff office
department manager owner director contact details information request enquiry inquiry question
questions support issue issues problem error account login password access website site page
online app mobile phone email address street city postcode zip country region phone number
message subject comment comments note notes attachment attachments file files document documents
product products service services project projects order orders item items quantity size colour
color model version installation repair maintenance cleaning consultation inspection assessment
""".split()

# Everyday request phrasing (no greeting or sign-off of any generator).
_PHRASES = [
    "To whom it may concern,", "Dear Sir or Madam,", "Good afternoon,", "Good evening,", "Hi,",
    "Yours sincerely,", "Yours faithfully,", "Sincerely,", "Regards,", "Best regards,", "Warm regards,",
    "Thank you,", "Thank you!", "Thanks!",
    "I am contacting you about ", "I am contacting you because ", "I'm reaching out about ",
    "I have a question regarding ", "I have a few questions about ", "I was wondering if ",
    "I wanted to ask whether ", "Do you still have ", "Are you able to ", "Is there any way to ",
    "How long does it take", "How much would it cost", "What is the price of ", "What would you charge",
    "Could you let me know", "Could you give me ", "Would you be able to ", "I would be grateful if ",
    "I would appreciate it if ", "It would help us if ", "Please find attached ", "Please confirm ",
    "Please get back to me", "Please reply to this address", "You can reach me at ", "on the phone ",
    "by e-mail ", "at the weekend", "during the week", "in the evening", "after 5 pm", "before noon",
    "at the end of the month", "in the next few days", "as quickly as you can", "if that is possible",
    "if you have time", "for two people", "for a family of four", "for about ", "around ", "roughly ",
    "approximately ", "more than ", "less than ", "at least ", "up to ", "per month", "per year", "per person",
    "including VAT", "excluding VAT", "free of charge", "opening hours", "out of stock", "in stock",
    "tracking number", "reference number", "invoice number", "account number", "customer number",
    "order confirmation", "booking confirmation", "does not work", "is not working", "doesn't work",
    "can't log in", "cannot find", "has been charged twice", "was damaged", "never arrived",
    "I'd like to ", "I'd love to ", "we'd like to ", "I want to ", "we want to ", "we are planning ",
    "I am planning ", "we are thinking about ", "I am interested in ", "we are interested in ",
    "Thank you for ", "Thanks for ", "thank you for ", "thanks for ", "Please ", "please ",
]

# Word pairs and short runs that most sentences are made of.
_GLUE = [
    "of the ", "in the ", "to the ", "for the ", "on the ", "and the ", "at the ", "from the ", "with the ",
    "by the ", "is the ", "that the ", "about the ", "of a ", "in a ", "for a ", "to a ", "with a ", "is a ",
    "of our ", "for our ", "to our ", "in our ", "with our ", "of your ", "for your ", "to your ", "on your ",
    "in your ", "with your ", "you can ", "we can ", "I can ", "can you ", "would you ", "could you ",
    "we would ", "I would ", "would be ", "will be ", "to be ", "it is ", "it was ", "this is ", "there is ",
    "there are ", "we are ", "we have ", "I have ", "I am ", "I was ", "you have ", "have been ", "has been ",
    "do not ", "does not ", "did not ", "is not ", "I don't ", "we don't ", "it's ", "I'm ", "we're ",
    "a few ", "a lot of ", "as well ", "so that ", "as soon as ", "at the moment", "one of ", "some of ",
    "The ", "This ", "It ", "We ", "I ", "My ", "Our ", "Is ", "Can ", "Could ", "Would ", "Do ", "Are ",
    "What ", "When ", "How ", "Also ", "Also, ", "However, ", "Unfortunately, ", "Of course ", "If ",
    ". ", ", ", "? ", "! ", ".\\n", "?\\n", "!\\n", ",\\n", "\\n\\n",
]

_WEB = [
    "https://www.google.ca/", "https://www.google.com.au/", "https://www.google.fr/", "https://www.google.es/",
    "https://www.google.it/", "https://www.google.nl/", "https://www.google.de/", "https://www.google.co.uk/",
    "https://www.bing.com/", "https://duckduckgo.com/", "https://search.yahoo.com/", "https://www.ecosia.org/",
    "https://www.facebook.com/", "https://l.facebook.com/", "https://m.facebook.com/", "https://www.instagram.com/",
    "https://l.instagram.com/", "https://www.linkedin.com/", "https://t.co/", "https://www.youtube.com/",
    "https://www.pinterest.com/", "https://www.tiktok.com/", "https://chatgpt.com/", "android-app://",
    "?utm_source=", "&utm_medium=", "&utm_campaign=", "&utm_content=", "&utm_term=", "?gclid=", "?fbclid=",
    "?ref=", "/contact-us/", "/contact/", "/get-in-touch/", "/request-a-quote/", "/booking/", "/book-now/",
    "/enquiry/", "/support/", "/help/", "/careers/", "/events/", "/shop/", "/services/", "/about/",
    "/en/", "/de/", "/fr/", "/es/", "/it/", "/nl/", "/pl/", "/pt/", "/index.html", ".html", ".php",
    ".co.uk", ".com.au", ".ca", ".ie", ".de", ".fr", ".es", ".it", ".nl", ".be", ".ch", ".at", ".pl",
    ".pt", ".se", ".dk", ".no", ".fi", ".cz", ".org", ".net", ".io", ".co", ".com",
    "@protonmail.com", "@proton.me", "@aol.com", "@live.com", "@msn.com", "@mail.com", "@gmx.net", "@gmx.de",
    "@web.de", "@t-online.de", "@orange.fr", "@free.fr", "@libero.it", "@yahoo.co.uk", "@yahoo.com",
    "@hotmail.com", "@icloud.com", "@me.com", "@outlook.com", "@gmail.com",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 "
    "Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 "
    "Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36",
]

# The stored JSON (compact separators, non-ASCII kept, newlines escaped) with plugin field names.
_JSON = [
    '"g-recaptcha-response":"', '"cf-turnstile-response":"', '"h-captcha-response":"', '"_wpcf7":"',
    '"wpforms":{"', '"input_1":"', '"input_2":"', '"input_3":"', '"form_fields[name]":"',
    '"form_fields[email]":"', '"form_fields[message]":"', '"firstname":"', '"lastname":"', '"fullname":"',
    '"full_name":"', '"first_name":"', '"last_name":"', '"your-name":"', '"your-email":"', '"your-phone":"',
    '"your-subject":"', '"your-message":"', '"organisation":"', '"organization":"', '"job_title":"',
    '"address":"', '"address_line_1":"', '"street":"', '"city":"', '"state":"', '"zip":"', '"postcode":"',
    '"postal_code":"', '"country":"', '"website":"https://', '"url":"https://', '"date":"20', '"time":"',
    '"preferred_date":"', '"guests":"', '"quantity":"', '"budget":"', '"source":"', '"how_did_you_hear":"',
    '"privacy":"', '"newsletter":"', '"gdpr":"', '"acceptance":"', '"terms":"', '"agree":"', '"consent":"',
    '":"on"', '":"yes"', '":"no"', '":"1"', '":"true"', '":true', '":false', '":[', '"],"', '","', '\\n', '\\"',
    '"company":"', '"subject":"', '"tel":"+', '"telephone":"+', '"mobile":"+', '"phone":"+',
    '"email":"', '"message":"', '"comments":"', '"enquiry":"',
    '"},"meta":{"page_url":"https://', '"user_agent":"Mozilla/5.0 (', '"ip":"', '"referrer":"https://',
    '"referrer":"', '"}}', '{"fields":{"name":"',
]


def build() -> bytes:
    return "\x00".join([" ".join(_COMMON), " ".join(_FORMS), "".join(_PHRASES), "".join(_WEB),
                        "".join(_GLUE), "".join(_JSON)]).encode()
