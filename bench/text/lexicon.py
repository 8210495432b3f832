"""Words of other languages a grader reads, in folded form (lower case, no diacritics,
Cyrillic transliterated as `bench.text.normalize.fold` does): numbers, scales, qualifiers, units,
month names, yes and no, "I don't know" and "not disclosed".

Answers come in the languages models answer in. These are the closed classes a fact answer is
built from (a count, a date, a polarity, an abstention), not answers to any question; names
are read through transliteration instead. Languages: Russian and Ukrainian (transliterated),
French, German, Spanish, Italian, Portuguese, Polish, Turkish and Azerbaijani, and a few
Chinese and Japanese forms. Words that are also common English words or names ("due", "once",
"cent", "un" as in the UN, "otto") are left out."""

from __future__ import annotations


def _table(spec: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in spec.split(";"):
        value, words = part.split(":")
        for w in words.split():
            out[w] = int(value)
    return out


SMALL = _table(
    "0:nol nul cero zero;"
    "1:odin odna odno une eins uno una jeden jedna bir;"
    "2:dva dve dvoe deux zwei dos dois duas dwa dwie iki;"
    "3:tri troe trois drei tres tre trzy uch;"
    "4:chetyre chetvero chotiri quatre vier cuatro quattro quatro cztery dord;"
    "5:pyat pyatero cinq funf cinco cinque piec besh;"
    "6:shest shestero sechs seis sei szesc alti;"
    "7:sem sieben siete sette sete siedem yeddi;"
    "8:vosem huit acht ocho oito osiem sekkiz;"
    "9:devyat neuf neun nueve nove dziewiec doqquz;"
    "10:desyat dix zehn diez dieci dez dziesiec;"
    "11:odinnadtsat onze;"
    "12:dvenadtsat douze zwolf doce dodici doze;"
    "13:trinadtsat treize dreizehn trece;"
    "14:chetyrnadtsat quatorze vierzehn catorce;"
    "15:pyatnadtsat quinze funfzehn quince;"
    "16:shestnadtsat seize sechzehn dieciseis;"
    "17:semnadtsat siebzehn diecisiete;"
    "18:vosemnadtsat achtzehn dieciocho;"
    "19:devyatnadtsat neunzehn diecinueve"
)
TENS = _table(
    "20:dvadtsat vingt zwanzig veinte venti vinte;"
    "30:tridtsat trente dreissig treinta trenta trinta;"
    "40:sorok quarante vierzig cuarenta quaranta quarenta;"
    "50:pyatdesyat cinquante funfzig cincuenta cinquanta;"
    "60:shestdesyat soixante sechzig sesenta sessanta;"
    "70:semdesyat siebzig setenta settanta;"
    "80:vosemdesyat achtzig ochenta ottanta oitenta;"
    "90:devyanosto neunzig noventa novanta"
)
SCALES = _table(
    "100:sto hundert cien ciento cento cem;"
    "1000:tysyacha tysyachi tysyach tys mille tausend mil mila tysiace tysiecy;"
    "1000000:milliona millionov millionen millones millon milioni milione milionow"
)

QUALIFIERS = {
    "gt": ["bolee", "bolshe", "svyshe", "bolee chem", "plus de", "plus que", "au moins",
           "mehr als", "uber", "mindestens", "mas de", "mas que", "al menos", "piu di", "oltre",
           "mais de", "ponad", "powyzej"],
    "lt": ["menee", "menshe", "moins de", "weniger als", "unter", "menos de", "meno di",
           "ponizej"],
    "approx": ["okolo", "primerno", "priblizitelno", "pochti", "poryadka", "environ", "pres de",
               "presque", "etwa", "ungefahr", "rund", "fast", "knapp", "unos", "unas",
               "alrededor de", "aproximadamente", "casi", "cerca de", "quasi", "circa",
               "intorno a", "quase", "prawie", "yaklashik", "teqriben", "takhminen"],
}

UNITS = {
    "week": "nedel nedeli nedelya nedelyu nedeliu semaines semaine wochen woche semanas semana "
            "settimane settimana tygodni tygodnie hafta hefte",
    "day": "dney dnya den dni jours jour tage tagen tag dias dia giorni giorno",
    "month": "mesyatsev mesyatsa mesyats mois monate monaten meses mes mesi miesiecy",
    "year": "let goda god ans annees jahre jahren anos anni lat yil",
    "hour": "chasov chasa chas heures heure stunden stunde horas hora ore ora godzin saat",
    "km": "kilometrov kilometra kilometres kilometros chilometri kilometrow 公里 千米 キロ "
          "キロメートル 킬로미터",
    "mile": "milya milles meilen millas miglia 英里 マイル 마일",
}

MONTHS = {
    1: "yanvar yanvarya sichen sichnya janvier januar enero gennaio janeiro styczen stycznia "
       "ocak",
    2: "fevral fevralya lyutiy lyutogo fevrier februar febrero febbraio fevereiro luty lutego "
       "subat shubat",
    3: "mart marta berezen bereznya mars marz marzo marco marzec marca",
    4: "aprel aprelya kviten kvitnya avril abril aprile kwiecien kwietnia nisan",
    5: "maya traven travnya mai mayo maggio maio maj maja mayis",
    6: "iyun iyunya cherven chervnya juin juni junio giugno junho czerwiec czerwca haziran",
    7: "iyul iyulya lipen lipnya juillet juli julio luglio julho lipiec lipca temmuz",
    8: "avgust avgusta avqust serpen serpnya aout agosto sierpien sierpnia agustos",
    9: "sentyabr sentyabrya veresen veresnya septembre septiembre setiembre settembre setembro "
       "wrzesien wrzesnia eylul",
    10: "oktyabr oktyabrya zhovten zhovtnya octobre oktober octubre ottobre outubro pazdziernik "
        "pazdziernika ekim",
    11: "noyabr noyabrya listopad listopada novembre noviembre novembro kasim",
    12: "dekabr dekabrya gruden grudnya decembre dezember diciembre dicembre dezembro grudzien "
        "grudnia aralik",
}

# Yes and no in other languages, folded: Latin-script ones without diacritics, the rest in
# their own script (fold leaves Armenian, Georgian, Greek, Arabic, Hebrew, Korean as they are).
YES = frozenset("""da tak oui ja si sim evet beli kylla igen haan 是 是的 对 はい այո დიახ
    ναι نعم כן 예 네""".split())
NO = frozenset("""net ni nie non nein nao hayir xeyr kheyr nei nej nem nahin 不是 否 不 いいえ
    ոչ არა οχι لا לא 아니요 아니오""".split())

# "I don't know" and "unknown" (abstentions), and "not disclosed", as folded phrases.
ABSTAIN = (
    "ne znayu", "ya ne znayu", "neizvestno", "nevidomo", "net dannykh", "net informatsii",
    "ne mogu skazat", "zatrudnyayus", "je ne sais", "aucune idee", "inconnu", "je l'ignore",
    "keine ahnung", "weiss nicht", "weiss ich nicht", "ich weiss es nicht", "unbekannt",
    "keine informationen", "keine angabe", "keine angaben", "net otveta",
    "no lo se", "no se sabe", "no tengo idea", "ni idea", "desconocido",
    "no hay informacion", "non lo so", "non so", "non saprei", "sconosciuto", "nao sei",
    "desconhecido", "nao tenho ideia", "nie wiem", "nieznane", "nie wiadomo", "bilmiyorum",
    "bilinmiyor", "bilmirem", "melum deyil", "不知道", "未知", "不清楚", "わかりません",
    "分かりません", "知りません", "不明", "不确定", "不太确定", "没有这方面的信息",
    "لا اعرف", "لا ادري", "لا أدري", "لا توجد معلومات", "غير معروف",
    "չգիտեմ", "տեղեկություն չունեմ", "տեղեկությունը չունեմ", "հայտնի չէ",
    "არ ვიცი", "უცნობია", "δεν ξερω", "αγνωστο", "δεν γνωριζω",
    "모르겠습니다", "모릅니다", "알 수 없습니다", "non lo sappiamo", "no lo sabemos",
    "no se por", "no se exactamente", "no se donde", "no se cuando", "no se cual", "no se quien",
    "je ne connais pas", "je ne sais pas", "non conosco", "nao conheco",
)
NOT_DISCLOSED = (
    "ne soobshchaetsya", "ne soobshchalos", "ne raskryvaetsya", "ne raskryvalos", "ne raskryt",
    "ne nazvan", "ne ozvuch", "ne opublikovan",
    "ne razglashaetsya", "ne nazyvaetsya", "ne ukazano", "ne ukazyvaetsya", "ne podtverzhdeno",
    "ne byl nazvan", "ne bylo nazvano", "non divulgue", "pas ete divulgue", "non communique",
    "non precise", "non confirme", "nicht bekannt gegeben", "nicht veroffentlicht",
    "nicht angegeben", "nicht bestatigt", "no se ha revelado", "no revelado", "no divulgado",
    "no se ha divulgado", "no especificado", "no confirmado", "non divulgato", "non reso noto",
    "non specificato", "nao divulgado", "nao informado", "nie ujawniono", "nie podano",
    "aciklanmadi", "aciqlanmayib", "未披露", "未公布", "未透露", "公表されていない",
    "nicht bekanntgegeben", "nicht mitgeteilt", "nicht genannt", "n'a pas ete communique",
    "n'a pas ete revele", "n'a pas ete publie", "pas ete rendu public", "no se dio a conocer",
    "no fue revelado", "no se ha hecho publico", "non e stato reso noto",
    "non e stato comunicato", "non e stato divulgato", "nao foi divulgado",
    "لم يتم الكشف", "لم يكشف", "չի հրապարակվել", "δεν ανακοινωθηκε", "δεν εχει ανακοινωθει",
    "공개되지 않았", "発表されていない",
)


HOMOGRAPHS = frozenset("elf due once cent otto tre sei vier acht mil sept".split())
"""Number words of other languages that are also English words or names ("elf" is eleven in
German), left out of the tables above: a reply of one of them may still be a number."""
