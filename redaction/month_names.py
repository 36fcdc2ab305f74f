"""Month names of many languages, for dates written the local way ("14 березня 1998", "12 մարտի 1998", "1998 წლის
12 მარტი", "3 ago. 2007", "14 มี.ค. 2541"). One table, the twelve months in order per language, full names with their
genitive or other forms and the usual abbreviations; English is left out (the English date rules in ``patterns``
own it). ``month_of`` reads a word (case, a trailing dot ignored) as a month number, and ``calendar_of`` says which
calendar its year is counted in (a Thai month's year is Buddhist, a Persian or Afghan solar month's is Hijri).
"""

from __future__ import annotations

from functools import lru_cache

# Each string is the twelve months, separated by "|"; a month's forms are separated by spaces.
_GREGORIAN = {
    "es": "enero ene|febrero feb|marzo|abril abr|mayo|junio|julio|agosto ago.|septiembre setiembre sep.|octubre oct."
    "|noviembre|diciembre dic",
    "pt": "janeiro|fevereiro fev|março marco|abril abr|maio|junho|julho|agosto ago.|setembro|outubro|novembro"
    "|dezembro dez",
    "fr": "janvier janv|février fevrier févr fevr|mars|avril avr|mai|juin|juillet juil|août aout|septembre|octobre"
    "|novembre|décembre decembre déc",
    "it": "gennaio genn|febbraio febb|marzo|aprile|maggio magg|giugno giu|luglio lug|agosto|settembre sett|ottobre ott"
    "|novembre|dicembre dic",
    "de": "januar jänner|februar|märz maerz|april|mai|juni|juli|august|september|oktober okt|november|dezember dez",
    "nl": "januari|februari|maart mrt|april|mei|juni|juli|augustus|september|oktober|november|december",
    "pl": "styczeń styczen stycznia sty|luty lutego|marzec marca|kwiecień kwiecien kwietnia kwi|maj maja"
    "|czerwiec czerwca cze|lipiec lipca|sierpień sierpien sierpnia|wrzesień wrzesien września wrzesnia wrz"
    "|październik pazdziernik października pazdziernika paź|listopad listopada|grudzień grudzien grudnia gru",
    "ro": "ianuarie ian|februarie|martie|aprilie|mai|iunie|iulie|august|septembrie|octombrie|noiembrie noi|decembrie",
    "tr": "ocak|şubat subat|mart|nisan|mayıs mayis|haziran|temmuz|ağustos agustos|eylül eylul|ekim|kasım kasim"
    "|aralık aralik",
    "az uz": "yanvar|fevral|mart|aprel|may|iyun|iyul|avqust avgust|sentyabr sentabr|oktyabr oktabr|noyabr|dekabr",
    "id ms": "januari|februari|maret mac|april|mei|juni|juli|agustus ogos|september|oktober|november"
    "|desember disember",
    "tl": "enero|pebrero|marso|abril|mayo|hunyo|hulyo|agosto|setyembre|oktubre|nobyembre|disyembre",
    "ht": "janvye|fevriye|mas|avril|me|jen|jiyè jiye|out|septanm|oktòb oktob|novanm|desanm",
    "sq": "janar|shkurt|mars|prill|maj|qershor|korrik|gusht|shtator|tetor|nëntor nentor|dhjetor",
    "sw": "januari|februari|machi|aprili|mei|juni|julai|agosti|septemba|oktoba|novemba|desemba",
    "so": "janaayo|febraayo|maarso|abriil|maajo|juun|luulyo|agoosto|sebtembar|oktoobar|nofembar|diseembar",
    "hr bs sr": "siječanj siječnja sijecnja|veljača veljače veljace|ožujak ožujka ozujka|travanj travnja"
    "|svibanj svibnja|lipanj lipnja|srpanj srpnja|kolovoz kolovoza|rujan rujna|listopada|studeni studenoga studenog"
    "|prosinac prosinca",
    "sr-latn": "januar|februar|mart|april|maj|jun juni|jul juli|avgust|septembar|oktobar|novembar|decembar",
    "hu": "január januar|február februar|március marcius|április aprilis|május majus|június junius|július julius"
    "|augusztus|szeptember|október oktober|november|december",
    "cs sk": "ledna leden|února unora únor|března brezna březen|dubna duben|května kvetna květen|června cervna červen"
    "|července cervence červenec|srpna srpen|září zari|října rijna říjen|listopadu|prosince prosinec",
    "sk": "januára januara|februára februara|marca|apríla aprila|mája maja|júna juna|júla jula|augusta|septembra"
    "|októbra oktobra|novembra|decembra",
    "lt": "sausio|vasario|kovo|balandžio|gegužės|birželio|liepos|rugpjūčio|rugsėjo|spalio|lapkričio|gruodžio",
    "lv et": "janvāris janvārī jaanuar|februāris veebruar|marts märts|aprīlis aprill|maijs|jūnijs juuni|jūlijs juuli"
    "|augusts|septembris|oktobris oktoober|novembris|decembris detsember",
    "ru ky": "январь января янв|февраль февраля фев|март марта|апрель апреля апр|май мая|июнь июня|июль июля"
    "|август августа авг|сентябрь сентября сент|октябрь октября окт|ноябрь ноября нояб|декабрь декабря дек",
    "uk": "січень січня січ|лютий лютого лют|березень березня бер|квітень квітня квіт|травень травня трав"
    "|червень червня черв|липень липня лип|серпень серпня серп|вересень вересня вер|жовтень жовтня жовт"
    "|листопад листопада лист|грудень грудня груд",
    "be": "студзень студзеня|люты лютага|сакавік сакавіка|красавік красавіка|травень траўня|чэрвень чэрвеня"
    "|ліпень ліпеня|жнівень жніўня|верасень верасня|кастрычнік кастрычніка|лістапад лістапада|снежань снежня",
    "bg mk sr-cyrl": "януари јануари|февруари фебруари|март|април|май мај|юни јуни јун|юли јули јул|август"
    "|септември септембар|октомври октобар|ноември новембар|декември децембар",
    "kk": "қаңтар қаңтардың|ақпан ақпанның|наурыз наурыздың|сәуір сәуірдің|мамыр мамырдың|маусым маусымның"
    "|шілде шілденің|тамыз тамыздың|қыркүйек қыркүйектің|қазан қазанның|қараша қарашаның|желтоқсан желтоқсанның",
    "hy": "հունվար հունվարի|փետրվար փետրվարի|մարտ մարտի|ապրիլ ապրիլի|մայիս մայիսի|հունիս հունիսի|հուլիս հուլիսի"
    "|օգոստոս օգոստոսի|սեպտեմբեր սեպտեմբերի|հոկտեմբեր հոկտեմբերի|նոյեմբեր նոյեմբերի|դեկտեմբեր դեկտեմբերի",
    "ka": "იანვარი იანვრის იანვარს|თებერვალი თებერვლის თებერვალს|მარტი მარტის მარტს|აპრილი აპრილის აპრილს"
    "|მაისი მაისის მაისს|ივნისი ივნისის ივნისს|ივლისი ივლისის ივლისს|აგვისტო აგვისტოს"
    "|სექტემბერი სექტემბრის სექტემბერს|ოქტომბერი ოქტომბრის ოქტომბერს|ნოემბერი ნოემბრის ნოემბერს"
    "|დეკემბერი დეკემბრის დეკემბერს",
    "el": "ιανουαρίου ιανουάριος ιαν|φεβρουαρίου φεβρουάριος φεβ|μαρτίου μάρτιος μαρ|απριλίου απρίλιος απρ"
    "|μαΐου μάιος|ιουνίου ιούνιος|ιουλίου ιούλιος|αυγούστου αύγουστος αυγ|σεπτεμβρίου σεπτέμβριος σεπ"
    "|οκτωβρίου οκτώβριος οκτ|νοεμβρίου νοέμβριος νοε|δεκεμβρίου δεκέμβριος δεκ",
    "ar": "يناير كانون الثاني|فبراير شباط|مارس آذار|أبريل ابريل نيسان|مايو أيار ايار|يونيو حزيران|يوليو تموز"
    "|أغسطس اغسطس آب|سبتمبر أيلول ايلول|أكتوبر اكتوبر|نوفمبر|ديسمبر",
    "fa": "ژانویه|فوریه|مارس|آوریل|مه|ژوئن|ژوئیه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر",
    "hi": "जनवरी|फ़रवरी फरवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर सितम्बर|अक्टूबर|नवंबर नवम्बर|दिसंबर दिसम्बर",
    "bn": "জানুয়ারি|ফেব্রুয়ারি|মার্চ|এপ্রিল|মে|জুন|জুলাই|আগস্ট|সেপ্টেম্বর|অক্টোবর|নভেম্বর|ডিসেম্বর",
}
# Months whose year is counted from another epoch: (the table, years to add to reach the Gregorian year).
_OTHER_CALENDARS = {
    "thai": (
        "มกราคม ม.ค|กุมภาพันธ์ ก.พ|มีนาคม มี.ค|เมษายน เม.ย|พฤษภาคม พ.ค|มิถุนายน มิ.ย|กรกฎาคม ก.ค|สิงหาคม ส.ค"
        "|กันยายน ก.ย|ตุลาคม ต.ค|พฤศจิกายน พ.ย|ธันวาคม ธ.ค",
        -543,
    ),
    # the Iranian solar months and their Afghan (Dari/Pashto) names: the year starts in March, so about +621
    "solar": (
        "فروردین حمل|اردیبهشت ثور|خرداد جوزا|تیر سرطان|مرداد اسد|شهریور سنبله|مهر میزان|آبان عقرب|آذر قوس|دی جدی"
        "|بهمن دلو|اسفند حوت",
        621,
    ),
}


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[int, int]]:
    """word -> (month 1-12, years to add to the written year)."""
    table: dict[str, tuple[int, int]] = {}
    for months, offset in [*((m, 0) for m in _GREGORIAN.values()), *_OTHER_CALENDARS.values()]:
        for number, forms in enumerate(months.split("|"), start=1):
            for form in forms.split():
                table.setdefault(form.casefold().rstrip("."), (number, offset))
    # forms written with a dot only: "ago." is Spanish August, "ago" is English
    return table


_DOT_ONLY = frozenset({"ago"})


def month_of(word: str) -> tuple[int, int] | None:
    """(month, years to add) when ``word`` is a month name of the table ("березня", "მარტი", "ago.", "มี.ค."),
    else None."""
    key = word.casefold()
    dotted = key.endswith(".")
    key = key.rstrip(".")
    if key in _DOT_ONLY and not dotted:
        return None
    return _table().get(key)
