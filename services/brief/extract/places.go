package extract

import "strings"

// A small gazetteer: the rules engine only calls something a place when it
// knows the name (or a strong cue such as "based in" introduces a capitalised
// word). Keys are lower case; values are ISO 3166 region codes, which also
// choose the currency of "dollars" and the region of a phone number written
// without +.

var countries = map[string]string{
	"uk": "GB", "u.k": "GB", "united kingdom": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
	"usa": "US", "us": "US", "u.s": "US", "united states": "US", "america": "US",
	"canada": "CA", "australia": "AU", "new zealand": "NZ", "ireland": "IE", "portugal": "PT", "spain": "ES", "france": "FR",
	"germany": "DE", "italy": "IT", "netherlands": "NL", "the netherlands": "NL", "belgium": "BE", "austria": "AT", "switzerland": "CH",
	"sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI", "poland": "PL", "greece": "GR", "south africa": "ZA",
	"india": "IN", "singapore": "SG", "mexico": "MX", "brazil": "BR", "kenya": "KE", "nigeria": "NG", "japan": "JP",
}

// countryUpperOnly are country keys that are ordinary words in lower case.
var countryUpperOnly = map[string]bool{"us": true, "u.s": true}

var regions = map[string]string{
	"alabama": "US", "alaska": "US", "arizona": "US", "arkansas": "US", "california": "US", "colorado": "US", "connecticut": "US",
	"delaware": "US", "florida": "US", "georgia": "US", "hawaii": "US", "idaho": "US", "illinois": "US", "indiana": "US", "iowa": "US",
	"kansas": "US", "kentucky": "US", "louisiana": "US", "maine": "US", "maryland": "US", "massachusetts": "US", "michigan": "US",
	"minnesota": "US", "mississippi": "US", "missouri": "US", "montana": "US", "nebraska": "US", "nevada": "US", "new hampshire": "US",
	"new jersey": "US", "new mexico": "US", "new york state": "US", "north carolina": "US", "north dakota": "US", "ohio": "US", "oklahoma": "US",
	"oregon": "US", "pennsylvania": "US", "rhode island": "US", "south carolina": "US", "south dakota": "US", "tennessee": "US",
	"texas": "US", "utah": "US", "vermont": "US", "virginia": "US", "washington state": "US", "west virginia": "US", "wisconsin": "US", "wyoming": "US",
	"ontario": "CA", "quebec": "CA", "british columbia": "CA", "alberta": "CA", "manitoba": "CA", "nova scotia": "CA", "saskatchewan": "CA",
	"new south wales": "AU", "victoria": "AU", "queensland": "AU", "western australia": "AU", "tasmania": "AU",
	"yorkshire": "GB", "kent": "GB", "devon": "GB", "cornwall": "GB", "surrey": "GB", "essex": "GB", "sussex": "GB", "east sussex": "GB", "west sussex": "GB",
	"lancashire": "GB", "somerset": "GB", "dorset": "GB", "norfolk": "GB", "suffolk": "GB", "cumbria": "GB", "north yorkshire": "GB", "west yorkshire": "GB",
	"county cork": "IE", "co. cork": "IE", "county galway": "IE", "bavaria": "DE", "catalonia": "ES", "andalusia": "ES",
}

// usStates are the postal abbreviations, recognised only in capitals.
var usStates = "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC ON BC QC AB NSW QLD VIC"

var cities = map[string]string{
	// UK and Ireland
	"london": "GB", "manchester": "GB", "leeds": "GB", "bristol": "GB", "birmingham": "GB", "liverpool": "GB", "sheffield": "GB", "brighton": "GB",
	"edinburgh": "GB", "glasgow": "GB", "cardiff": "GB", "belfast": "GB", "newcastle": "GB", "nottingham": "GB", "leicester": "GB", "york": "GB",
	"bath": "GB", "oxford": "GB", "cambridge": "GB", "norwich": "GB", "exeter": "GB", "plymouth": "GB", "southampton": "GB", "portsmouth": "GB",
	"reading": "GB", "coventry": "GB", "derby": "GB", "aberdeen": "GB", "dundee": "GB", "swansea": "GB", "cheltenham": "GB", "harrogate": "GB",
	"canterbury": "GB", "hull": "GB", "bournemouth": "GB", "stockport": "GB", "salford": "GB", "hackney": "GB", "islington": "GB", "peckham": "GB", "shoreditch": "GB", "camden": "GB",
	"dublin": "IE", "cork": "IE", "galway": "IE", "limerick": "IE",
	// North America
	"new york": "US", "brooklyn": "US", "queens": "US", "los angeles": "US", "chicago": "US", "houston": "US", "phoenix": "US", "philadelphia": "US",
	"san antonio": "US", "san diego": "US", "dallas": "US", "austin": "US", "san francisco": "US", "oakland": "US", "seattle": "US", "denver": "US",
	"boston": "US", "portland": "US", "nashville": "US", "atlanta": "US", "miami": "US", "orlando": "US", "tampa": "US", "raleigh": "US",
	"charlotte": "US", "asheville": "US", "minneapolis": "US", "detroit": "US", "cleveland": "US", "columbus": "US", "pittsburgh": "US",
	"baltimore": "US", "sacramento": "US", "las vegas": "US", "salt lake city": "US", "boise": "US", "tucson": "US", "albuquerque": "US",
	"kansas city": "US", "st. louis": "US", "st louis": "US", "new orleans": "US", "milwaukee": "US", "madison": "US", "richmond": "US", "savannah": "US",
	"toronto": "CA", "vancouver": "CA", "montreal": "CA", "calgary": "CA", "ottawa": "CA", "edmonton": "CA", "winnipeg": "CA", "halifax": "CA",
	// Australia and New Zealand
	"sydney": "AU", "melbourne": "AU", "brisbane": "AU", "perth": "AU", "adelaide": "AU", "hobart": "AU", "canberra": "AU",
	"auckland": "NZ", "wellington": "NZ", "christchurch": "NZ",
	// Europe and beyond
	"lisbon": "PT", "porto": "PT", "madrid": "ES", "barcelona": "ES", "valencia": "ES", "seville": "ES", "paris": "FR", "lyon": "FR", "marseille": "FR",
	"berlin": "DE", "munich": "DE", "hamburg": "DE", "cologne": "DE", "frankfurt": "DE", "rome": "IT", "milan": "IT", "florence": "IT", "amsterdam": "NL",
	"rotterdam": "NL", "utrecht": "NL", "brussels": "BE", "antwerp": "BE", "vienna": "AT", "zurich": "CH", "geneva": "CH", "stockholm": "SE", "oslo": "NO",
	"copenhagen": "DK", "helsinki": "FI", "warsaw": "PL", "krakow": "PL", "athens": "GR", "cape town": "ZA", "johannesburg": "ZA", "nairobi": "KE",
	"lagos": "NG", "mumbai": "IN", "bangalore": "IN", "singapore": "SG", "mexico city": "MX", "tokyo": "JP",
}

// placeKind says what a known name is: "city", "region", "country" or "".
func placeKind(low string, upper bool, raw string) (string, string) {
	if c, ok := cities[low]; ok {
		return "city", c
	}
	if c, ok := regions[low]; ok {
		return "region", c
	}
	if c, ok := countries[low]; ok {
		if countryUpperOnly[low] && strings.ToUpper(raw) != raw {
			return "", ""
		}
		return "country", c
	}
	if len(raw) == 2 && strings.ToUpper(raw) == raw && strings.Contains(usStates, raw) {
		switch raw {
		case "ON", "BC", "QC", "AB":
			return "region", "CA"
		}
		return "region", "US"
	}
	return "", ""
}

// maxPlaceWords is the longest gazetteer name in words.
const maxPlaceWords = 3
