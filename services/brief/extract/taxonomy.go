package extract

import "strings"

// Industry is one entry of the industry taxonomy identity.industry takes
// its ids from. Keywords are lower case words or phrases an owner uses
// about such a business; the rules engine matches them tolerating one typo
// in words of five letters or more.
type Industry struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	Keywords []string `json:"keywords"`
}

// Industries is the taxonomy, a fresh slice each call.
func Industries() []Industry {
	return []Industry{
		{"bakery", "Bakery", []string{"bakery", "baker", "bakers", "sourdough", "bread", "croissants", "pastries", "patisserie", "cakes", "cupcakes", "baked goods", "loaves", "bake"}},
		{"cafe", "Café / coffee shop", []string{"cafe", "café", "coffee shop", "coffeehouse", "espresso", "barista", "coffee", "tea room", "tearoom"}},
		{"restaurant", "Restaurant", []string{"restaurant", "bistro", "diner", "trattoria", "pizzeria", "eatery", "brasserie", "tapas", "chef", "dining"}},
		{"food_truck", "Food truck", []string{"food truck", "food van", "street food", "food trailer", "taco truck"}},
		{"catering", "Catering", []string{"catering", "caterer", "caterers", "canapes", "buffets"}},
		{"brewery", "Brewery / bar", []string{"brewery", "microbrewery", "craft beer", "taproom", "pub", "cocktail bar", "wine bar", "distillery"}},
		{"plumbing", "Plumbing", []string{"plumbing", "plumber", "plumbers", "boiler", "boilers", "drains", "leaks", "pipes", "bathroom fitting", "water heater"}},
		{"electrician", "Electrician", []string{"electrician", "electricians", "electrical", "rewiring", "wiring", "fuse boxes", "ev chargers"}},
		{"hvac", "Heating and air conditioning", []string{"hvac", "air conditioning", "furnace", "heat pumps", "heating and cooling"}},
		{"construction", "Building and renovation", []string{"builder", "builders", "construction", "renovation", "renovations", "extensions", "loft conversions", "contractor", "remodeling", "remodelling"}},
		{"roofing", "Roofing", []string{"roofing", "roofer", "roofers", "roofs", "gutters"}},
		{"painting_decorating", "Painting and decorating", []string{"painter", "painters", "decorator", "decorating", "painting and decorating", "wallpapering"}},
		{"handyman", "Handyman", []string{"handyman", "odd jobs", "flat pack", "furniture assembly"}},
		{"landscaping", "Landscaping and gardening", []string{"landscaping", "landscaper", "landscapers", "lawn", "lawns", "lawn care", "gardening", "gardener", "hedge", "mowing", "tree surgery", "patios"}},
		{"cleaning", "Cleaning", []string{"cleaning", "cleaner", "cleaners", "maid", "janitorial", "deep clean", "end of tenancy"}},
		{"moving", "Removals and moving", []string{"removals", "movers", "moving company", "man and van", "relocation"}},
		{"auto_repair", "Car repair and detailing", []string{"mechanic", "garage", "car repair", "auto repair", "mot", "servicing", "detailing", "car wash", "tyres", "tires"}},
		{"bike_shop", "Bike shop", []string{"bike shop", "bicycle", "bicycles", "bikes", "cycling"}},
		{"photography", "Photography", []string{"photography", "photographer", "photographers", "photo shoots", "photoshoots", "headshots", "portraits", "photos"}},
		{"videography", "Video production", []string{"videography", "videographer", "video production", "filmmaker", "films"}},
		{"event_planning", "Events and weddings", []string{"event planning", "event planner", "wedding planner", "wedding planning", "events company", "party planning"}},
		{"yoga_studio", "Yoga and pilates studio", []string{"yoga", "pilates", "vinyasa", "meditation", "yoga studio"}},
		{"gym_fitness", "Gym and personal training", []string{"gym", "fitness", "personal trainer", "personal training", "crossfit", "bootcamp", "workouts", "boxing"}},
		{"martial_arts", "Martial arts and dance school", []string{"karate", "martial arts", "jiu-jitsu", "dance school", "dance classes", "ballet", "taekwondo"}},
		{"accounting", "Accounting and bookkeeping", []string{"accounting", "accountant", "accountants", "accountancy", "bookkeeping", "bookkeeper", "tax returns", "payroll", "vat returns", "cpa"}},
		{"legal", "Legal services", []string{"solicitor", "solicitors", "lawyer", "lawyers", "law firm", "attorney", "legal", "conveyancing"}},
		{"consulting", "Business consulting", []string{"consulting", "consultant", "consultancy", "business coaching", "coach", "coaching"}},
		{"financial_advice", "Financial advice and insurance", []string{"financial advisor", "financial adviser", "insurance broker", "mortgage broker", "mortgages", "insurance"}},
		{"real_estate", "Real estate", []string{"estate agent", "estate agency", "real estate", "realtor", "property management", "letting agent", "lettings"}},
		{"web_agency", "Web design and development", []string{"web agency", "web design", "web designer", "websites", "web development", "wordpress", "shopify", "web developer", "ux"}},
		{"marketing_agency", "Marketing agency", []string{"marketing agency", "digital marketing", "social media management", "seo agency", "branding agency", "ppc", "advertising"}},
		{"it_support", "IT support", []string{"it support", "managed services", "computer repair", "tech support", "laptop repairs", "networking"}},
		{"software", "Software / SaaS", []string{"software", "saas", "app development", "apps", "platform"}},
		{"printing", "Printing and signs", []string{"printing", "print shop", "signage", "signs", "screen printing", "embroidery"}},
		{"pet_grooming", "Pet grooming", []string{"dog grooming", "groomer", "groomers", "grooming", "pet grooming", "dog groomer", "nail clipping"}},
		{"pet_sitting", "Dog walking and pet sitting", []string{"dog walking", "dog walker", "pet sitting", "pet sitter", "dog sitting", "walks", "doggy daycare", "cat sitting"}},
		{"veterinary", "Veterinary clinic", []string{"vet", "vets", "veterinary", "veterinarian", "animal clinic"}},
		{"florist", "Florist", []string{"florist", "florists", "flower shop", "flowers", "bouquets", "floral", "wreaths"}},
		{"hair_salon", "Hair salon", []string{"hair salon", "hairdresser", "hairdressers", "hairdressing", "salon", "haircuts", "stylist", "stylists", "blow dry", "colouring", "coloring", "balayage"}},
		{"barber", "Barber", []string{"barber", "barbers", "barbershop", "fades", "beard trims", "shaves"}},
		{"nail_salon", "Nail salon", []string{"nail salon", "nails", "manicures", "pedicures", "gel nails", "nail bar"}},
		{"beauty_spa", "Beauty and spa", []string{"beauty salon", "spa", "facials", "waxing", "lashes", "brows", "beautician", "skincare", "esthetician"}},
		{"massage_therapy", "Massage therapy", []string{"massage", "massages", "massage therapist", "sports massage", "reflexology"}},
		{"physiotherapy", "Physiotherapy and chiropractic", []string{"physio", "physiotherapy", "physiotherapist", "physical therapy", "chiropractor", "chiropractic", "osteopath", "rehab"}},
		{"dental", "Dental practice", []string{"dentist", "dental", "orthodontics", "teeth whitening", "hygienist"}},
		{"therapy", "Counselling and therapy", []string{"counselling", "counseling", "therapist", "psychotherapy", "counsellor", "counselor"}},
		{"tutoring", "Tutoring", []string{"tutoring", "tutor", "tutors", "tuition", "exam prep", "homework help", "sat prep", "gcse", "lessons"}},
		{"music_lessons", "Music lessons", []string{"music lessons", "piano lessons", "guitar lessons", "music teacher", "singing lessons", "music school"}},
		{"childcare", "Childcare", []string{"childcare", "nursery", "daycare", "preschool", "childminder", "after-school club"}},
		{"clothing_retail", "Clothing and fashion retail", []string{"boutique", "clothing", "clothes", "fashion", "vintage clothing", "apparel", "dresses"}},
		{"jewelry", "Jewellery", []string{"jewellery", "jewelry", "jeweller", "jeweler", "rings", "necklaces", "earrings"}},
		{"bookshop", "Bookshop", []string{"bookshop", "bookstore", "books", "second-hand books"}},
		{"gift_shop", "Gift and craft shop", []string{"gift shop", "gifts", "candles", "handmade", "crafts", "pottery", "ceramics", "soap"}},
		{"grocery", "Grocery and deli", []string{"grocery", "grocer", "deli", "greengrocer", "butcher", "fishmonger", "farm shop", "convenience store"}},
		{"tattoo", "Tattoo studio", []string{"tattoo", "tattoos", "tattoo studio", "tattoo parlour", "piercings", "piercing"}},
		{"hospitality", "Bed and breakfast / guest house", []string{"bed and breakfast", "b&b", "guest house", "guesthouse", "holiday cottage", "holiday let", "hotel", "inn", "airbnb"}},
		{"travel_tours", "Tours and travel", []string{"tour operator", "tours", "travel agency", "guided walks", "excursions"}},
	}
}

// industryIndex is the taxonomy split into words for matching.
type industryIndex struct {
	ids []string
	kws [][]kw // per industry
}

type kw struct{ words []string }

func newIndustryIndex() *industryIndex {
	x := &industryIndex{}
	for _, in := range Industries() {
		x.ids = append(x.ids, in.ID)
		var ks []kw
		for _, k := range in.Keywords {
			ks = append(ks, kw{words: strings.Fields(k)})
		}
		x.kws = append(x.kws, ks)
	}
	return x
}

// wordMatch says whether a word the owner wrote is keyword w: equal, a
// plural of it, or within one edit (Damerau) when both have five letters
// or more.
func wordMatch(got, w string) bool {
	if got == w || got == w+"s" || got == w+"es" || (strings.HasSuffix(w, "y") && got == w[:len(w)-1]+"ies") {
		return true
	}
	if len(w) >= 5 && len(got) >= 5 {
		return withinOneEdit(got, w)
	}
	return false
}

// withinOneEdit is Damerau-Levenshtein distance <= 1 (byte-wise; the
// taxonomy is ASCII but for é, which is compared exactly).
func withinOneEdit(a, b string) bool {
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 {
		return false
	}
	i := 0
	for i < la && i < lb && a[i] == b[i] {
		i++
	}
	if i == la && i == lb {
		return true
	}
	switch {
	case la == lb:
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // transposition
	case la > lb:
		return a[i+1:] == b[i:]
	default:
		return a[i:] == b[i+1:]
	}
}
