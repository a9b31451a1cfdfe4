package extract

// Word lists the rules engine's cues are made of. Lower case; a map is a
// set.

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// subjects start a clause; in a voice transcript without punctuation they
// are where one statement ends and the next begins.
var subjects = set("we", "we're", "were", "we've", "we'll", "we'd", "i", "i'm", "im", "i've", "i'd", "i'll", "our", "my", "they", "they're",
	"there's", "theres", "there", "it's", "its", "this", "that's", "thats", "which", "who", "you", "he", "she", "us")

var negations = set("don't", "dont", "not", "no", "never", "doesn't", "doesnt", "won't", "wont", "can't", "cant", "cannot", "stopped",
	"aren't", "arent", "didn't", "didnt", "isn't", "isnt", "without", "nor", "longer", "quit", "dropped")

var hedges = set("might", "may", "maybe", "perhaps", "could", "possibly", "considering", "thinking", "hoping", "hope", "plan", "planning",
	"someday", "eventually", "would", "want", "wanna", "gonna", "going", "probably", "if", "should", "'ll", "we'll", "i'll", "later")

var productVerbs = set("do", "offer", "offers", "sell", "sells", "make", "makes", "bake", "build", "provide", "serve", "cook", "brew",
	"design", "create", "teach", "run", "fix", "repair", "install", "stock", "supply", "handle", "cover", "specialise", "specialize",
	"specialising", "specializing", "focus", "deal", "deliver", "host", "shoot", "photograph", "groom", "grow", "arrange", "print",
	"clean", "cater", "roast", "paint", "fit", "lay", "plan", "organise", "organize", "prepare", "produce", "craft", "develop")

// adverbs may stand between a subject and its verb.
var adverbs = set("mostly", "mainly", "also", "just", "only", "really", "primarily", "currently", "now", "usually", "typically",
	"basically", "still", "generally", "normally", "mostly,", "all", "both", "proudly", "actually", "even", "already", "specifically")

// itemLead and itemTail are trimmed from list items.
var itemLead = set("a", "an", "the", "some", "our", "my", "mostly", "mainly", "also", "just", "only", "really", "various", "plenty",
	"lots", "loads", "of", "all", "kinds", "sorts", "types", "few", "lot", "both", "any", "other", "different", "things", "like",
	"usually", "primarily", "mainly,", "either", "even", "especially", "particularly", "plus", "then", "with", "too", "very", "and", "or", "many", "more",
	"couple", "handful", "several")

var itemTail = set("etc", "stuff", "things", "too", "well", "really", "mostly", "mainly", "now", "anymore", "more", "only", "and", "or",
	"though", "mainly", "lately", "nowadays", "these", "days", "also", "etc.", "here", "there", "locally", "daily", "weekly")

// listStops end a list.
var listStops = set("for", "to", "because", "but", "so", "which", "that", "who", "since", "when", "if", "in", "from", "at", "starting",
	"starts", "is", "are", "was", "were", "cost", "costs", "with", "on", "by", "around", "across", "near", "where", "while", "as",
	"than", "until", "every", "each", "per", "mostly", "mainly", "usually", "especially", "including", "like", "any", "all", "nothing",
	"although", "though", "whereas", "we", "i", "not", "anymore", "still", "it", "will", "can", "would", "should", "have", "has",
	"had", "been", "be", "get", "got", "want", "need", "try", "going", "then")

// people are nouns for the groups a business sells to.
var people = set("people", "folks", "families", "family", "parents", "moms", "mums", "mothers", "dads", "fathers", "kids", "children",
	"teens", "teenagers", "students", "professionals", "workers", "owners", "homeowners", "landlords", "tenants", "renters", "businesses",
	"companies", "startups", "start-ups", "retailers", "restaurants", "cafes", "cafés", "shops", "brands", "couples", "brides", "grooms",
	"seniors", "retirees", "pensioners", "locals", "tourists", "visitors", "commuters", "offices", "schools", "agencies", "clients",
	"athletes", "runners", "beginners", "women", "men", "millennials", "developers", "traders", "firms", "contractors", "hoas",
	"organisations", "organizations", "charities", "nonprofits", "non-profits", "practices", "clinics", "hotels", "venues", "newlyweds",
	"residents", "neighbours", "neighbors", "learners", "adults", "toddlers", "babies", "pupils", "graduates", "expats", "freelancers",
	"founders", "entrepreneurs", "executives", "managers", "teams", "employers", "landladies", "gardeners", "cyclists", "golfers",
	"gamers", "foodies", "vegans", "vegetarians", "patients", "guests", "travellers", "travelers", "holidaymakers", "builders",
	"architects", "designers", "artists", "musicians", "photographers", "breeders", "riders", "buyers", "sellers", "investors",
	"estates", "schools", "universities", "colleges", "councils", "communities", "pubs", "bars", "salons", "gyms", "studios", "stores",
	"households", "homes", "customers", "members", "dogs", "cats", "pets", "puppies", "kids'", "children's", "boomers", "shoppers", "diners", "mums-to-be", "moms-to-be")

// staff are nouns for the people who work in a business.
var staff = set("employees", "employee", "staff", "people", "members", "team", "guys", "girls", "artists", "stylists", "groomers", "teachers",
	"instructors", "tutors", "therapists", "bakers", "chefs", "cooks", "baristas", "photographers", "designers", "developers", "cleaners",
	"technicians", "techs", "plumbers", "electricians", "accountants", "engineers", "drivers", "coaches", "trainers", "mechanics",
	"gardeners", "landscapers", "florists", "walkers", "barbers", "nurses", "vets", "consultants", "specialists", "workers", "crew",
	"hands", "staffers", "bookkeepers", "lawyers", "solicitors", "agents", "assistants", "apprentices", "carpenters", "builders",
	"painters", "decorators", "servers", "waiters", "waitresses", "bartenders", "colleagues", "associates", "partners", "folks",
	"full-timers", "part-timers", "freelancers", "editors", "writers", "masseuses", "beauticians", "dentists", "hygienists", "roofers")

// goalVerbs start a goal and split one goal from the next.
var goalVerbs = set("open", "hire", "grow", "get", "double", "triple", "reach", "launch", "expand", "start", "build", "increase", "add",
	"move", "sell", "win", "hit", "make", "reduce", "book", "sign", "land", "become", "take", "franchise", "train", "buy", "find",
	"employ", "fill", "raise", "attract", "cut", "improve", "retire", "be", "have", "break", "turn", "scale", "bring", "create",
	"develop", "partner", "go", "quit", "stop", "spend", "offer", "focus", "list", "run", "boost", "keep", "own", "set", "secure", "work", "hit")

// toneWords are adjectives for how a business sounds.
var toneWords = set("friendly", "warm", "playful", "professional", "honest", "nerdy", "geeky", "elegant", "fun", "quirky", "calm", "relaxed",
	"cheeky", "down-to-earth", "no-nonsense", "plain-spoken", "plainspoken", "approachable", "luxurious", "bold", "confident", "caring",
	"reassuring", "trustworthy", "casual", "formal", "witty", "funny", "upbeat", "energetic", "welcoming", "cosy", "cozy", "modern",
	"classic", "minimal", "minimalist", "authentic", "genuine", "straightforward", "direct", "knowledgeable", "sophisticated", "chic",
	"rustic", "gentle", "kind", "supportive", "encouraging", "inclusive", "positive", "cheerful", "laid-back", "laidback", "chill",
	"helpful", "personal", "premium", "simple", "humble", "irreverent", "polished", "reliable", "thoughtful", "patient", "passionate",
	"enthusiastic", "respectful", "calming", "soothing", "empathetic", "clear", "transparent", "informal", "serious", "bubbly", "sassy",
	"earthy", "homely", "traditional", "artisanal", "luxury", "edgy", "punchy", "playfull", "lighthearted", "light-hearted", "kind-hearted",
	"grounded", "expert", "trusted", "approachable", "local", "neighbourly", "neighborly", "sincere", "open", "zen", "peaceful", "happy",
	"cheery", "easygoing", "easy-going", "respectable", "refined", "classy", "stylish", "creative", "bright", "vibrant", "caring", "wholesome",
	"nurturing", "reassuring", "practical", "efficient", "precise", "dependable", "honest", "frank", "blunt", "understated", "youthful", "hip")

// avoidWords are what an owner does not want to sound like.
var avoidWords = set("pushy", "salesy", "corporate", "stuffy", "cheesy", "jargon", "slang", "emojis", "emoji", "swearing", "hype", "cringe",
	"preachy", "condescending", "aggressive", "robotic", "boring", "fake", "clickbait", "cliches", "clichés", "buzzwords", "patronising",
	"patronizing", "snobby", "snooty", "pretentious", "gimmicky", "desperate", "spammy", "hard-sell", "sleazy", "cold", "formal", "techy",
	"technical", "markety", "overhyped", "exclamation", "caps", "discounts", "cutesy", "twee", "stiff", "bland", "generic", "scary")

// diffCues introduce what sets a business apart.
var diffCueHeads = set("different", "special", "unique", "apart", "edge", "usp", "difference", "secret", "advantage", "differentiator",
	"stand", "standout", "sets")
