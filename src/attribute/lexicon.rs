//! General English word lists: honorifics, speech verbs, pronouns, first names by gender, and
//! capitalized words that are not names. Nothing here comes from any particular story.

use crate::script::Gender;

/// Titles that precede a name, with the gender they imply (lowercase, no dot).
pub fn honorific(lower: &str) -> Option<Gender> {
    let g = match lower {
        "mr" | "sir" | "lord" | "master" | "monsieur" | "m" | "herr" | "signor" | "senor" | "uncle" | "father"
        | "brother" | "king" | "prince" | "duke" | "earl" | "count" | "baron" | "mister" | "messrs" | "don" => {
            Gender::Male
        }
        "mrs" | "miss" | "ms" | "lady" | "madam" | "madame" | "mme" | "mlle" | "mademoiselle" | "dame" | "aunt"
        | "mother" | "sister" | "queen" | "princess" | "duchess" | "countess" | "baroness" | "mistress" | "frau"
        | "signora" | "senora" => Gender::Female,
        "dr" | "doctor" | "professor" | "prof" | "captain" | "capt" | "colonel" | "col" | "major" | "general"
        | "gen" | "lieutenant" | "lt" | "sergeant" | "sgt" | "inspector" | "detective" | "judge" | "reverend"
        | "rev" | "officer" | "nurse" | "agent" | "cousin" | "grandma" | "granny" | "grandpa" => Gender::Unknown,
        _ => return None,
    };
    Some(g)
}

/// Titles used with a first name ("Lady Catherine", "Aunt Juley") rather than a surname.
pub fn takes_first_name(lower: &str) -> bool {
    matches!(
        lower,
        "lady" | "sir" | "miss" | "aunt" | "uncle" | "cousin" | "sister" | "brother" | "master" | "dame" | "lord"
    )
}

/// Abbreviated titles whose trailing dot belongs to the word ("Mr." is one token).
pub fn is_abbreviation(lower: &str) -> bool {
    matches!(
        lower,
        "mr" | "mrs"
            | "ms"
            | "dr"
            | "st"
            | "messrs"
            | "mme"
            | "mlle"
            | "prof"
            | "capt"
            | "col"
            | "gen"
            | "lt"
            | "sgt"
            | "rev"
            | "m"
    )
}

/// Speech verbs, past and present tense. A tag needs one of these next to its subject.
pub fn is_speech_verb(lower: &str) -> bool {
    matches!(
        lower,
        "said"
            | "says"
            | "say"
            | "asked"
            | "asks"
            | "replied"
            | "replies"
            | "answered"
            | "answers"
            | "cried"
            | "cries"
            | "exclaimed"
            | "exclaims"
            | "shouted"
            | "shouts"
            | "whispered"
            | "whispers"
            | "muttered"
            | "mutters"
            | "murmured"
            | "murmurs"
            | "called"
            | "calls"
            | "continued"
            | "continues"
            | "added"
            | "adds"
            | "repeated"
            | "repeats"
            | "returned"
            | "observed"
            | "remarked"
            | "remarks"
            | "began"
            | "begins"
            | "interrupted"
            | "interrupts"
            | "protested"
            | "insisted"
            | "insists"
            | "declared"
            | "demanded"
            | "demands"
            | "inquired"
            | "enquired"
            | "suggested"
            | "suggests"
            | "explained"
            | "explains"
            | "admitted"
            | "admits"
            | "agreed"
            | "agrees"
            | "laughed"
            | "laughs"
            | "sighed"
            | "sighs"
            | "sobbed"
            | "groaned"
            | "growled"
            | "growls"
            | "snapped"
            | "snaps"
            | "snarled"
            | "hissed"
            | "hisses"
            | "yelled"
            | "yells"
            | "screamed"
            | "screams"
            | "shrieked"
            | "pleaded"
            | "begged"
            | "urged"
            | "warned"
            | "warns"
            | "announced"
            | "announces"
            | "responded"
            | "responds"
            | "retorted"
            | "rejoined"
            | "grumbled"
            | "mumbled"
            | "mumbles"
            | "stammered"
            | "faltered"
            | "gasped"
            | "panted"
            | "breathed"
            | "ventured"
            | "persisted"
            | "resumed"
            | "concluded"
            | "commented"
            | "thought"
            | "wondered"
            | "mused"
            | "roared"
            | "bellowed"
            | "promised"
            | "assured"
            | "confessed"
            | "stated"
            | "whimpered"
            | "chuckled"
            | "chuckles"
            | "giggled"
            | "drawled"
            | "sneered"
            | "scoffed"
            | "teased"
            | "conceded"
            | "objected"
            | "ordered"
            | "commanded"
            | "ejaculated"
            | "interposed"
            | "sang"
            | "reasoned"
            | "argued"
            | "cautioned"
            | "reminded"
            | "corrected"
            | "prompted"
            | "offered"
            | "sniffed"
            | "barked"
            | "squeaked"
            | "piped"
            | "blurted"
            | "queried"
            | "countered"
            | "told"
            | "tells"
            | "spoke"
            | "went"
            | "put"
            | "broke"
            | "struck"
            | "cut"
            | "screeched"
            | "howled"
            | "wailed"
            | "moaned"
            | "purred"
            | "grunted"
            | "huffed"
            | "smiled"
            | "smiles"
            | "grinned"
            | "grins"
            | "nodded"
            | "shrugged"
            | "sniggered"
            | "stuttered"
            | "lisped"
            | "uttered"
            | "urges"
            | "continue"
            | "gushed"
            | "recalled"
            | "noted"
            | "noticed"
            | "joked"
            | "lied"
            | "observes"
            | "pursued"
            | "proceeded"
            | "remonstrated"
            | "exclaim"
            | "thundered"
            | "hazarded"
            | "cooed"
            | "quavered"
            | "trilled"
            | "retorts"
            | "counters"
            | "reflected"
    )
}

/// Words that only make a tag when a particle follows ("went on", "broke in", "put in").
pub fn needs_particle(lower: &str) -> bool {
    matches!(lower, "went" | "put" | "broke" | "struck" | "cut")
}

/// The gender of a third-person subject pronoun, `None` for other words.
pub fn subject_pronoun(lower: &str) -> Option<Gender> {
    match lower {
        "he" => Some(Gender::Male),
        "she" => Some(Gender::Female),
        _ => None,
    }
}

/// The gender of any third-person singular pronoun (for gender votes after a mention).
pub fn any_pronoun(lower: &str) -> Option<Gender> {
    match lower {
        "he" | "him" | "his" | "himself" => Some(Gender::Male),
        "she" | "her" | "hers" | "herself" => Some(Gender::Female),
        _ => None,
    }
}

/// Head nouns of descriptive phrases that say a gender ("the old man", "the young lady").
pub fn noun_gender(lower: &str) -> Gender {
    match lower {
        "man" | "gentleman" | "boy" | "fellow" | "husband" | "father" | "son" | "brother" | "uncle" | "lad"
        | "king" | "prince" | "lord" | "master" | "chap" | "grandfather" | "nephew" | "priest" | "monk" | "waiter"
        | "butler" | "landlord" | "beadle" | "jew" => Gender::Male,
        "woman" | "lady" | "girl" | "wife" | "mother" | "daughter" | "sister" | "aunt" | "lass" | "queen"
        | "princess" | "madam" | "grandmother" | "niece" | "maid" | "nurse" | "landlady" | "widow" | "mistress"
        | "matron" | "housekeeper" | "maiden" => Gender::Female,
        _ => Gender::Unknown,
    }
}

/// Head nouns that point back at someone already named ("the other", "the latter") rather
/// than describe a person.
pub fn is_anaphoric_head(lower: &str) -> bool {
    matches!(
        lower,
        "other"
            | "latter"
            | "former"
            | "first"
            | "second"
            | "last"
            | "same"
            | "one"
            | "voice"
            | "speaker"
            | "rest"
            | "others"
            | "two"
            | "three"
    )
}

/// Head nouns that describe nearly anyone ("the girl", "the old gentleman"): they stand for a
/// character already in the scene far more often than for a new one.
pub fn is_generic_head(lower: &str) -> bool {
    matches!(
        lower,
        "man"
            | "woman"
            | "girl"
            | "boy"
            | "lady"
            | "gentleman"
            | "fellow"
            | "lad"
            | "child"
            | "person"
            | "stranger"
            | "youth"
            | "men"
            | "women"
    )
}

/// The full title for an abbreviation, so "Dr. Bauerstein" is "the doctor".
pub fn full_title(lower: &str) -> &str {
    match lower {
        "dr" => "doctor",
        "capt" => "captain",
        "col" => "colonel",
        "gen" => "general",
        "lt" => "lieutenant",
        "sgt" => "sergeant",
        "rev" => "reverend",
        "prof" => "professor",
        other => other,
    }
}

/// Determiners that open a descriptive noun phrase.
pub fn is_determiner(lower: &str) -> bool {
    matches!(lower, "the" | "a" | "an" | "his" | "her" | "their" | "my" | "our" | "its" | "this" | "that")
}

/// Adverbs and particles that may sit between a speech verb and its subject.
pub fn is_filler(lower: &str) -> bool {
    (lower.len() > 4
        && lower.ends_with("ly")
        && !matches!(lower, "family" | "holy" | "lily" | "molly" | "polly" | "sally" | "billy" | "emily"))
        || matches!(
            lower,
            "then"
                | "again"
                | "now"
                | "at"
                | "last"
                | "once"
                | "still"
                | "out"
                | "on"
                | "in"
                | "up"
                | "back"
                | "aloud"
                | "softly"
                | "too"
                | "also"
                | "presently"
                | "just"
                | "finally"
                | "instantly"
                | "suddenly"
                | "quickly"
                | "calmly"
                | "quietly"
        )
}

/// Capitalized words that are not names even when they appear mid-sentence.
pub fn is_stopword(lower: &str) -> bool {
    matches!(
        lower,
        "i" | "i'm"
            | "i'll"
            | "i've"
            | "i'd"
            | "oh"
            | "o"
            | "ah"
            | "aye"
            | "yes"
            | "no"
            | "well"
            | "the"
            | "a"
            | "an"
            | "and"
            | "but"
            | "or"
            | "if"
            | "so"
            | "then"
            | "now"
            | "what"
            | "why"
            | "how"
            | "who"
            | "where"
            | "when"
            | "he"
            | "she"
            | "it"
            | "we"
            | "they"
            | "you"
            | "his"
            | "her"
            | "my"
            | "our"
            | "your"
            | "their"
            | "this"
            | "that"
            | "there"
            | "here"
            | "not"
            | "do"
            | "don't"
            | "did"
            | "is"
            | "was"
            | "are"
            | "be"
            | "for"
            | "to"
            | "of"
            | "in"
            | "on"
            | "at"
            | "by"
            | "with"
            | "as"
            | "all"
            | "one"
            | "god"
            | "heaven"
            | "heavens"
            | "lord"
            | "sir"
            | "madam"
            | "ma'am"
            | "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "january"
            | "february"
            | "march"
            | "april"
            | "june"
            | "july"
            | "august"
            | "september"
            | "october"
            | "november"
            | "december"
            | "christmas"
            | "easter"
            | "english"
            | "french"
            | "german"
            | "england"
            | "london"
            | "america"
            | "american"
            | "chapter"
            | "hey"
            | "hi"
            | "hello"
            | "okay"
            | "ok"
            | "please"
            | "thank"
            | "thanks"
            | "dear"
            | "good"
            | "very"
            | "mr"
            | "mrs"
            | "miss"
            | "ms"
            | "dr"
            | "mister"
            | "ha"
            | "hm"
            | "hmm"
            | "um"
            | "uh"
            | "yeah"
            | "yep"
            | "nope"
            | "alas"
            | "indeed"
            | "pray"
            | "perhaps"
            | "come"
            | "go"
            | "look"
            | "let"
            | "tell"
            | "oui"
            | "non"
            | "mon"
            | "ami"
            | "monsieur"
            | "madame"
            | "mademoiselle"
            | "st"
            | "street"
            | "road"
            | "house"
            | "hall"
            | "park"
            | "mrs."
            | "aunt"
            | "uncle"
            | "father"
            | "mother"
            | "captain"
            | "doctor"
            | "colonel"
            | "lady"
            | "master"
            | "queen"
            | "king"
            | "bible"
            | "church"
            | "majesty"
            | "highness"
            | "ladyship"
            | "lordship"
            | "honour"
            | "honor"
            | "worship"
            | "grace"
            | "mamma"
            | "papa"
            | "mama"
            | "mum"
            | "dad"
            | "mom"
            | "ugh"
            | "wow"
            | "hush"
            | "nay"
            | "whatever"
            | "sorry"
            | "humph"
            | "bah"
            | "pshaw"
            | "hallo"
            | "hullo"
            | "halloa"
            | "eh"
            | "gad"
            | "egad"
            | "hurrah"
            | "huzza"
            | "bravo"
            | "goodness"
            | "lor"
            | "lord's"
            | "ahem"
    )
}

/// Common given names by gender, for names whose pronouns are rare or mixed.
pub fn first_name_gender(lower: &str) -> Option<Gender> {
    const FEMALE: &[&str] = &[
        "alice",
        "anne",
        "ann",
        "anna",
        "annie",
        "mary",
        "elizabeth",
        "jane",
        "emma",
        "emily",
        "charlotte",
        "catherine",
        "kate",
        "katie",
        "kitty",
        "lydia",
        "margaret",
        "maggie",
        "sarah",
        "sara",
        "ruth",
        "mara",
        "nora",
        "helen",
        "helena",
        "lucy",
        "louisa",
        "caroline",
        "harriet",
        "jessica",
        "jennifer",
        "amy",
        "laura",
        "rose",
        "rosa",
        "diana",
        "grace",
        "clara",
        "julia",
        "susan",
        "nancy",
        "betty",
        "rachel",
        "rebecca",
        "hannah",
        "sophia",
        "sophie",
        "olivia",
        "isabella",
        "isabel",
        "eleanor",
        "evelyn",
        "cynthia",
        "dorothy",
        "agnes",
        "edith",
        "esther",
        "ellen",
        "eliza",
        "fanny",
        "frances",
        "henrietta",
        "lily",
        "lilly",
        "martha",
        "matilda",
        "meg",
        "molly",
        "polly",
        "sally",
        "victoria",
        "willow",
        "buffy",
        "dawn",
        "cordelia",
        "hermione",
        "ginny",
        "luna",
        "brenda",
        "mildred",
        "dora",
        "ada",
        "beatrice",
        "bella",
        "cecilia",
        "claire",
        "daisy",
        "ella",
        "flora",
        "hester",
        "ivy",
        "jo",
        "josephine",
        "judith",
        "juliet",
        "leah",
        "lizzy",
        "lizzie",
        "maria",
        "marian",
        "marianne",
        "nell",
        "nelly",
        "phoebe",
        "priscilla",
        "sybil",
        "tessa",
        "violet",
        "winifred",
        "zoe",
        "megan",
        "hailey",
        "ashley",
        "chloe",
        "natalie",
        "nicole",
        "kelly",
        "tara",
        "faith",
        "joyce",
        "cora",
        "mina",
        "lucia",
        "patricia",
        "linda",
        "barbara",
        "karen",
        "lisa",
        "michelle",
        "sandra",
        "donna",
        "carol",
        "monica",
        "paula",
        "jill",
        "joan",
        "june",
        "wendy",
    ];
    const MALE: &[&str] = &[
        "tom",
        "thomas",
        "john",
        "james",
        "william",
        "will",
        "george",
        "charles",
        "henry",
        "edward",
        "robert",
        "richard",
        "arthur",
        "fred",
        "frederick",
        "frank",
        "harry",
        "jack",
        "jake",
        "joseph",
        "joe",
        "samuel",
        "sam",
        "peter",
        "paul",
        "david",
        "daniel",
        "michael",
        "mark",
        "matthew",
        "andrew",
        "stephen",
        "steven",
        "edmund",
        "edwin",
        "philip",
        "oliver",
        "noah",
        "charlie",
        "bill",
        "bob",
        "ben",
        "benjamin",
        "alfred",
        "albert",
        "hugh",
        "hubert",
        "lawrence",
        "leonard",
        "tim",
        "timothy",
        "walter",
        "alexander",
        "anthony",
        "christopher",
        "spike",
        "xander",
        "angel",
        "ron",
        "draco",
        "neville",
        "bert",
        "ernest",
        "eric",
        "gilbert",
        "gerald",
        "harold",
        "herbert",
        "horace",
        "ivan",
        "jim",
        "jimmy",
        "josiah",
        "lewis",
        "louis",
        "luke",
        "martin",
        "max",
        "nathan",
        "nicholas",
        "patrick",
        "ralph",
        "roger",
        "simon",
        "ted",
        "theodore",
        "victor",
        "vincent",
        "wilfred",
        "bertie",
        "dick",
        "harvey",
        "mike",
        "bob",
        "brian",
        "kevin",
        "jason",
        "scott",
        "ryan",
        "adam",
        "aaron",
        "tony",
        "toby",
        "roland",
        "owen",
        "evan",
        "ian",
        "colin",
        "dean",
        "luca",
        "marco",
        "pierre",
        "jean",
        "hans",
        "karl",
        "carl",
        "otto",
        "pedro",
        "juan",
    ];
    if FEMALE.contains(&lower) {
        Some(Gender::Female)
    } else if MALE.contains(&lower) {
        Some(Gender::Male)
    } else {
        None
    }
}

/// The full first names a diminutive stands for ("Lizzy" for Elizabeth).
pub fn diminutive_of(lower: &str) -> Option<&'static [&'static str]> {
    let full: &'static [&'static str] = match lower {
        "lizzy" | "lizzie" | "liz" | "eliza" | "beth" | "betsy" | "bess" | "bessie" | "betty" | "libby" => {
            &["elizabeth"]
        }
        "meg" | "maggie" | "peggy" | "madge" => &["margaret"],
        "bill" | "billy" | "will" | "willy" | "willie" => &["william"],
        "bob" | "bobby" | "rob" | "robbie" | "bert" => &["robert"],
        "dick" | "dickie" | "rick" => &["richard"],
        "tom" | "tommy" => &["thomas"],
        "jack" | "johnny" | "jock" => &["john"],
        "jim" | "jimmy" | "jem" | "jamie" => &["james"],
        "ned" | "ted" | "teddy" | "eddie" | "ed" => &["edward", "edmund"],
        "harry" | "hal" => &["henry", "harold"],
        "kate" | "kitty" | "katie" | "kathy" | "cathy" => &["catherine", "katherine", "kathleen"],
        "sally" | "sal" => &["sarah", "sara"],
        "polly" | "molly" | "mamie" => &["mary"],
        "nancy" | "nan" | "nance" => &["ann", "anne", "anna"],
        "fanny" => &["frances"],
        "charlie" | "chas" => &["charles"],
        "nell" | "nelly" | "nellie" => &["helen", "eleanor", "ellen"],
        "sam" | "sammy" => &["samuel", "samantha"],
        "ben" | "benny" => &["benjamin"],
        "fred" | "freddy" | "freddie" => &["frederick", "frederic"],
        "alf" | "alfie" => &["alfred"],
        "joe" | "joey" => &["joseph"],
        "dan" | "danny" => &["daniel"],
        "nick" | "nicky" => &["nicholas"],
        "tony" => &["anthony", "antony"],
        "sue" | "susie" | "suky" => &["susan", "susanna", "susannah"],
        "jenny" | "jennie" => &["jane", "jennifer"],
        "becky" => &["rebecca"],
        "patty" | "patsy" | "mattie" => &["martha", "patricia"],
        "dolly" | "dot" => &["dorothy"],
        "abby" => &["abigail"],
        "gussie" => &["augusta", "augustus"],
        "georgie" => &["georgiana", "george", "georgina"],
        "len" | "lenny" => &["leonard"],
        "herb" => &["herbert"],
        "walt" | "wally" => &["walter"],
        "andy" | "drew" => &["andrew"],
        "larry" => &["lawrence", "laurence"],
        "phil" => &["philip", "phillip"],
        "tilly" | "tillie" | "matty" => &["matilda"],
        "lou" | "lulu" => &["louisa", "louise"],
        "lottie" | "lotty" => &["charlotte"],
        "ginny" => &["virginia"],
        "winnie" => &["winifred"],
        "gil" => &["gilbert"],
        "matt" => &["matthew"],
        "mike" | "mick" | "micky" => &["michael"],
        "steve" => &["stephen", "steven"],
        "di" => &["diana"],
        "em" | "emmy" => &["emily", "emma"],
        "fan" => &["frances"],
        "vicky" => &["victoria"],
        "ally" => &["alice", "alison"],
        _ => return None,
    };
    Some(full)
}
