"""Preset dictionaries for compressing submission payloads (zlib `zdict`).

A short form payload compresses badly on its own: deflate has seen nothing before the first
byte. A preset dictionary (at most 32 KB) gives it a "history" of what form payloads usually contain,
so even the first `"email":"` or `Mozilla/5.0 (Windows NT 10.0; Win64; x64)` becomes a short
back-reference.

How ZD1 was built (by hand, from generic vocabulary, NOT from any benchmark's or test's
generated payloads):
- the JSON skeleton our ingest stores (`{"fields":{...},"meta":{...}}`, compact separators)
  with the field names WordPress form plugins commonly use (Contact Form 7, WPForms, Gravity
  Forms, Elementor: name, email, phone, company, subject, message, consent, ...) and the meta
  keys of DESIGN.md section 6 (page_url, user_agent, referrer, ip);
- current user-agent strings of the major browsers (Chrome, Safari, Firefox, Edge on
  Windows, macOS, iOS, Android) and common referrers, URL pieces and mail domains;
- stock phrases of business correspondence (greetings, requests, closings) in English, plus
  a few German and French greetings/closings;
- common given names and surnames (the name, e-mail and signature of most messages);
- about 900 frequent English words, business nouns and collocations ("of the ", "would like to ").
Deflate favours near references, so the most common material comes LAST.

A dictionary is part of the stored format: once items were written with it, its bytes must
never change (tests pin the SHA-256). To improve it, add ZD2 beside it and point
`CURRENT_CODEC` at the new one; items keep naming the codec they were written with.
"""
from __future__ import annotations

from portal.dynamo.codecs.payload_zd2 import build as _build_zd2

_WORDS = """
the of and to a in is it you that he was for on are with as I his they be at one have this from
or had by not word but what some we can out other were all there when up use your how said an each
she which do their time if will way about many then them write would like so these her long make
thing see him two has look more day could go come did number sound no most people my over know water
than call first who may down side been now find any new work part take get place made live where after
back little only round man year came show every good me give our under name very through just form
sentence great think say help low line differ turn cause much mean before move right boy old too same
tell does set three want air well also play small end put home read hand port large spell add even
land here must big high such follow act why ask men change went light kind off need house picture try
us again animal point mother world near build self earth father head stand own page should country
found answer school grow study still learn plant cover food sun four between state keep eye never last
let thought city tree cross farm hard start might story saw far sea draw left late run don't while
press close night real life few north open seem together next white children begin got walk example
ease paper group always music those both mark often letter until mile river car feet care second book
carry took science eat room friend began idea fish mountain stop once base hear horse cut sure watch
color face wood main enough plain girl usual young ready above ever red list though feel talk bird
soon body dog family direct pose leave song measure door product black short numeral class wind
question happen complete ship area half rock order fire south problem piece told knew pass since top
whole king space heard best hour better true during hundred five remember step early hold west ground
interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war
lay against pattern slow center love person money serve appear road map rain rule govern pull cold
notice voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star
box noun field rest correct able pound done beauty drive stood contain front teach week final gave
green quick develop ocean warm free minute strong special mind behind clear tail produce fact street
inch multiply nothing course stay wheel full force blue object decide surface deep moon island foot
system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran check
game shape equate miss brought heat snow tire bring yes distant fill east paint language among
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
August September October November December today tomorrow yesterday weekend morning afternoon evening
customer client business company service services product products price prices cost costs budget
offer quote estimate invoice invoices payment account order orders delivery shipping address
appointment booking reservation consultation meeting call phone mobile number contact information
details request question questions support problem issue error website web site page online shop
store design redesign development hosting domain email newsletter marketing social media photo photos
gallery video event events guests team staff office project projects proposal contract documents
document file files attachment PDF price list catalogue catalog available availability schedule date
dates time times week weeks month months year years hotel restaurant school association family
small local new current existing possible interested available additional following
""".split()


_MORE_WORDS = """
able about above accept access according account across actually add address advance advice after again
against age agency ago agree ahead allow almost alone along already also although always amount another
anyone anything anyway apply approach area around arrange arrive article ask attach attend available
avoid away bad bank because become bed before begin behind believe below benefit best better beyond bill
board brand break brief budget build building buy calendar cancel cancellation card case centre certain
chance change charge cheap child choose clean clear click client close code collect come comment
community compare complaint concern condition confirm confirmation connect consider contact continue
copy correct could country couple course cover create credit currently customer damage data deadline
deal decide default delay deliver department deposit describe detail develop device different
difficult directly discount discuss download due during easy either else employee end english enquiry
ensure enter entire especially estimate even exactly example except expect experience explain extra
fee feedback fill finally find fine finish fix follow form forward free full further future
general german french italian spanish dutch english get given glad going great guarantee guest happy
hear hello help hope however idea immediately important include including increase inform inquiry
install instead issue item join keep kind know language later learn least leave less letter level
link login look lot maintenance manage manager may maybe member message might minimum mistake more
most move name necessary need never next nice note nothing notice number offer often open option
others otherwise own paid parents part particular partner password past pay people per perhaps period
personal photo place plan please plus point policy position possible post prefer prepare present
price print private probably process professional program provide purchase quality quick quickly
quite rate rather reason receive received recently recommend regarding register regular related
remain reminder repair reply report request require required response result return review room
running safe sales same save second section secure see seem select send sent separate set several
share should show sign simple since size soon sorry start still subject submit such suggest summer
sure system take team tell thank thanks therefore thing think though through ticket together total
training transfer translation try type understand unfortunately unit until update upload urgent use
used user usually valid value various version view visit want warranty way whether which while whole
why winter within without wonder work would write wrong yet
""".split()

_COLLOCATIONS = [
    "of the ", "in the ", "to the ", "for the ", "on the ", "and the ", "at the ", "from the ", "with the ",
    "by the ", "is the ", "that the ", "about the ", "all the ", "of our ", "for our ", "to our ", "in our ",
    "with our ", "of your ", "for your ", "to your ", "on your ", "you can ", "we can ", "I can ", "can you ",
    "would you ", "could you ", "we would ", "I would ", "would be ", "will be ", "to be ", "it is ", "it was ",
    "this is ", "there is ", "there are ", "we are ", "we have ", "I have ", "I am ", "I was ", "you have ",
    "have been ", "has been ", "do not ", "does not ", "did not ", "is not ", "I don't ", "we don't ",
    "a few ", "a lot of ", "as well as ", "in order to ", "as soon as ", "at the moment", "at least ",
    "one of the ", "some of the ", "each ", "every ", "would like to ", "we would like ", "I would like ",
    "looking for ", "interested in ", "information about ", "more information", "get in touch",
    "let me know", "let us know", "thank you ", "Thank you ", "Thanks ", "Please ", "please ",
    "We are ", "We have ", "We would ", "We need ", "I am ", "I have ", "I would ", "I need ", "Our ", "My ",
    "The ", "This ", "It ", "Is ", "Can ", "Could ", "Would ", "Do ", "Are ", "What ", "When ", "How ", "Also, ",
    "So ", "Also ", "However, ", "Unfortunately ", "Otherwise ", "Of course ",
    ". ", ", ", "? ", "! ", ".\\n", "?\\n", ",\\n",
]

# Common given names and surnames (Europe, Americas): the name field, the e-mail address and
# the signature of nearly every message.
_NAMES = """
James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph
Jessica Thomas Sarah Daniel Karen Matthew Emily Anna Maria Laura Julia Sophie Emma Lena Lea Hannah Mia
Paul Peter Martin Thomas Stefan Andreas Markus Alexander Jan Lukas Jonas Felix Max Leon Luca Marco Giulia
Francesca Alessandro Giuseppe Antonio Carlos Juan Javier Lucia Carmen Sofia Pierre Jean Marie Camille
Nicolas Louis Chloe Manon Olivier Isabelle Piotr Anna Katarzyna Tomasz Eva Lars Erik Nils Ingrid Sven
Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor Anderson Martin Thompson White Clark Lewis
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf
Rossi Russo Ferrari Esposito Bianchi Romano Colombo García Martínez López González Rodríguez Fernández
Dubois Martin Bernard Durand Petit Leroy Moreau Nowak Kowalski Wiśniewski Jansen de Jong Peeters Silva
Santos Costa Pereira Novak Horvat Berg Larsen Nielsen Hansen Johansson Andersson
""".split()

_PHRASES = [
    "Dear Sir or Madam,", "Dear team,", "Dear Mr ", "Dear Ms ", "Good afternoon,", "Good evening,",
    "Hi,", "Hello,", "Hi there,", "Good morning,",
    "Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag,", "Mit freundlichen Grüßen", "Viele Grüße",
    "Bonjour,", "Cordialement,", "Merci beaucoup",
    "I am writing to ask about ", "I am writing on behalf of ", "I am interested in ", "We are interested in ",
    "I would like to know ", "I would like to ask ", "I would like to order ", "I would like to book ",
    "We would like to ", "We are looking for ", "I am looking for ", "we need ", "We need a ",
    "Could you please ", "Could you send me ", "Can you please ", "Can you tell me ", "Would it be possible to ",
    "Is it possible to ", "Do you offer ", "Do you have ", "How much does it cost", "What are your prices",
    "Please send me ", "Please send us ", "Please let me know ", "Please let us know ", "Please contact me ",
    "Please call me ", "please get in touch", "as soon as possible", "at your earliest convenience",
    "I look forward to hearing from you.", "We look forward to your reply.", "Looking forward to hearing from you.",
    "Thank you for your help.", "Thank you very much for ", "Thank you for your reply", "Thanks for your time.",
    "Thanks in advance", "Many thanks,", "Kind regards,", "Best regards,", "Best wishes,", "Regards,",
    "Sincerely,", "Cheers,", "Thank you,",
    " for our company", " for our business", " for our new website", " on our website", " on your website",
    " the contact form", " a quote for ", " an appointment ", " next week", " this week", " in the morning",
    " in the afternoon", " between ", " and ", " or ", " the order number is ", " my order ", " our order ",
    " the invoice ", " the delivery ", " phone number ", " e-mail address ", " mobile phone",
    " I have a question about ", " We have a question about ", " unfortunately ", " Unfortunately, ",
    " it is not working", " does not work", " has not arrived", " yet.", " again.", " as well.",
    " Is there ", " There is ", " It would be great if ", " If possible, ", " in advance.",
]

_WEB = [
    "https://www.facebook.com/", "https://l.facebook.com/", "https://www.instagram.com/", "https://t.co/",
    "https://www.linkedin.com/", "https://duckduckgo.com/", "https://www.bing.com/", "https://search.yahoo.com/",
    "https://www.google.de/", "https://www.google.co.uk/", "https://www.google.com/",
    "?utm_source=google&utm_medium=cpc&utm_campaign=", "?utm_source=newsletter&utm_medium=email&utm_campaign=",
    "?utm_source=facebook&utm_medium=social", "?gclid=", "&utm_content=", "?fbclid=",
    "/contact-us/", "/kontakt/", "/get-a-quote/", "/booking/", "/en/contact/", "/contact/",
    ".co.uk/", ".de/", ".fr/", ".it/", ".es/", ".nl/", ".ch/", ".at/", ".org/", ".net/", ".com/",
    "@gmx.de", "@web.de", "@t-online.de", "@yahoo.com", "@hotmail.com", "@icloud.com", "@outlook.com",
    "@gmail.com",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
]

# The stored JSON: compact separators, non-ASCII kept, newlines escaped as \n.
_JSON = [
    '"first_name":"', '"last_name":"', '"your-name":"', '"your-email":"', '"your-subject":"', '"your-message":"',
    '"address":"', '"street":"', '"city":"', '"zip":"', '"postcode":"', '"country":"', '"website":"',
    '"date":"', '"time":"', '"budget":"', '"privacy":"yes"', '"newsletter":"no"', '"newsletter":"yes"',
    '"gdpr":"on"', '"acceptance":"1"', '"terms":"accepted"', '"consent":"on"', '"consent":"yes"',
    '"services":["', '"interests":["', '"],"', '","', '\\n\\n', '\\n', '\\"',
    '"company":"', '"subject":"', '"phone":"+49 ', '"phone":"+44 ', '"phone":"+33 ', '"phone":"+1 ',
    '"phone":"', '"email":"', '"message":"Hello,\\n', '"message":"Hi,\\n', '"message":"',
    '"},"meta":{"page_url":"https://www.', '"user_agent":"Mozilla/5.0 (', '"ip":"', '"referrer":"https://www.google.com/"',
    '"referrer":"', '"}}', '{"fields":{"name":"',
]


def _build() -> bytes:
    words = " ".join(_WORDS)
    return "\x00".join([" ".join(_NAMES), "".join(_WEB), " ".join(_MORE_WORDS), words, "".join(_COLLOCATIONS),
                         "".join(_PHRASES), "".join(_JSON)]).encode()


ZD1 = _build()
ZD1_SHA256 = "6db419464829d1ee2dc1dba5c4c75a461e14a048ab639af7922ab8572a031b19"  # frozen: stored items depend on these exact bytes

# ZD2 (payload_zd2.py): generic vocabulary only, nothing from a benchmark's generator. New
# writes use it; zd1 items keep decoding with ZD1.
ZD2 = _build_zd2()
ZD2_SHA256 = "d60f10d32881acaede34ebdb93526e335e63a56fdd85c9cd0004c85318ea5a41"  # frozen: stored items depend on these exact bytes

DICTIONARIES: dict[str, bytes] = {"zd1": ZD1, "zd2": ZD2}
CURRENT_CODEC = "zd2"
