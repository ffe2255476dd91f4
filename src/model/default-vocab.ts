/**
 * The built-in vocabulary of generated checkpoints (see generate.ts): small enough to keep the default
 * model's embedding table tiny, broad enough that ordinary English, simple CJK text and digits tokenize
 * without [UNK].
 *
 * Layout, by id: the five special tokens (0..4: a compact order, not bert-base's 0/100/101/102/103 —
 * the tokenizer files are generated from this same list, so they always agree), every printable ASCII
 * character except the upper-case letters (the normalizer lowercases first), `##` forms of letters and
 * digits (so any ASCII word or number has a WordPiece split), common CJK ideographs (BERT splits them into
 * single-character words), common English words (including a few that strip to ASCII from accented
 * spellings, e.g. café → cafe), and frequent `##` suffixes.
 */

export const SPECIAL_TOKENS = { pad: '[PAD]', unk: '[UNK]', cls: '[CLS]', sep: '[SEP]', mask: '[MASK]' } as const;

const CJK_CHARS = `
的 一 是 不 了 人 我 在 有 他 这 中 大 来 上 国 个 到 说 们 为 子 和 你 地 出 道 也 时 年 日 本 语 文 字 学 生 会 家 可 以 要 就 天 小 多 好 看 心 下 过 后 自 那 里
没 着 都 想 能 去 对 得 很 她 之 发 成 作 所 用 开 行 工 经 方 事 然 最 新 手 高 前 现 分 三 二 十 百 千 万 东 西 南 北 京 爱 水 火 山 月 明 电 话 车 书 今 朋 友 吃
饭 喜 欢 谢 请 问 名 男 女 老 师 医 漢 語 國 學 東 電 車 書
`;

const WORDS = `
the of and to in is it you that he was for on are with as his they be at one have this from or had by not word
but what some we can out other were all there when up use your how said an each she which do their time if
will way about many then them write would like so these her long make thing see him two has look more day
could go come did number sound no most people my over know water than call first who may down side been now
find any new work part take get place made live where after back little only round man year came show every
good me give our under name very through just form sentence great think say help low line differ turn cause
much mean before move right boy old too same tell does set three want air well also play small end put home
read hand port large spell add even land here must big high such follow act why ask men change went light kind
off need house picture try us again animal point mother world near build self earth father head stand own page
should country found answer school grow study still learn plant cover food sun four between state keep eye
never last let thought city tree cross farm hard start might story saw far sea draw left late run while press
close night real life few north open seem together next white children begin got walk example ease paper group
always music those both mark often letter until mile river car feet care second book carry took science eat
room friend began idea fish mountain stop once base hear horse cut sure watch color face wood main enough
plain girl usual young ready above ever red list though feel talk bird soon body dog family direct pose leave
song measure door product black short numeral class wind question happen complete ship area half rock order
fire south problem piece told knew pass since top whole king space heard best hour better true during hundred
five remember step early hold west ground interest reach fast verb sing listen six table travel less morning
ten simple several vowel toward war lay against pattern slow center love person money serve appear road map
rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry dark machine note wait
plan figure star box noun field rest correct able pound done beauty drive stood contain front teach week final
gave green oh quick develop ocean warm free minute strong special mind behind clear tail produce fact street
inch multiply nothing course stay wheel full force blue object decide surface deep moon island foot system
busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape
equate hot miss brought heat snow tire bring yes distant fill east paint language among grand ball yet wave
drop heart am present heavy dance engine position arm wide sail material size vary settle speak weight general
ice matter circle pair include divide syllable felt perhaps pick sudden count square reason length represent
art subject region energy hunt probable bed brother egg ride cell believe fraction forest sit race window
store summer train sleep prove lone leg exercise wall catch mount wish sky board joy winter sat written wild
instrument kept glass grass cow job edge sign visit past soft fun bright gas weather month million bear finish
happy hope flower clothe strange gone jump baby eight village meet root buy raise solve metal whether push
seven paragraph third shall held hair describe cook floor either result burn hill safe cat century consider
type law bit coast copy phrase silent tall sand soil roll temperature finger industry value fight lie beat
excite natural view sense ear else quite broke case middle kill son lake moment scale loud spring observe
child straight consonant nation dictionary milk speed method organ pay age section dress cloud surprise quiet
stone tiny climb cool design poor lot experiment bottom key iron single stick flat twenty skin smile crease
hole trade melody trip office receive row mouth exact symbol die least trouble shout except wrote seed tone
join suggest clean break lady yard rise bad blow oil blood touch grew cent mix team wire cost lost brown wear
garden equal sent choose fell fit flow fair bank collect save control decimal gentle woman captain practice
separate difficult doctor please protect noon whose locate ring character insect caught period indicate radio
spoke atom human history effect electric expect crop modern element hit student corner party supply bone rail
imagine provide agree thus capital chair danger fruit rich thick soldier process operate guess necessary sharp
wing create neighbor wash bat rather crowd corn compare poem string bell depend meat rub tube famous dollar
stream fear sight thin triangle planet hurry chief colony clock mine tie enter major fresh search send yellow
gun allow print dead spot desert suit current lift rose continue block chart hat sell success company subtract
event particular deal swim term opposite wife shoe shoulder spread arrange camp invent cotton born determine
quart nine truck noise level chance gather shop stretch throw shine property column molecule select wrong gray
repeat require broad prepare salt nose plural anger claim continent oxygen sugar death pretty skill women
season solution magnet silver thank branch match especially fig afraid huge sister steel discuss forward
similar guide experience score apple bought led pitch coat mass card band rope slip win dream evening
condition feed tool total basic smell valley nor double seat arrive master track parent shore division sheet
substance favor connect post spend chord fat glad original share station dad bread charge proper bar offer
segment duck instant market degree populate chick dear enemy reply drink occur support speech nature range
steam motion path liquid log meant teeth shell neck being having doing myself yours yourself himself hers
herself its itself ours ourselves theirs themselves whom because into below further cannot however although
unless within without upon towards across along around beyond beside besides despite inside outside onto per
via throughout underneath whereas whenever wherever whatever whoever everything everyone everybody something
someone somebody nobody anything anyone anybody none neither sometimes usually already almost really maybe
probably indeed instead otherwise therefore hence meanwhile anyway later today tomorrow yesterday tonight
thanks hello hi okay ok don doesn didn isn aren wasn weren won wouldn couldn shouldn haven hasn hadn ll ve re
computer computers internet phone phones email website software hardware data information technology research
university universities college students teacher teachers government governments president policy policies
business businesses economy economic prices costs jobs service services products customer customers health
hospital medicine disease patient patients friends parents mothers fathers daughter daughters husband kid kids
cities countries states nations houses rooms doors windows tables chairs kitchen cars bus planes roads streets
movie movies film films songs games sport sports teams player players books stories news newspaper magazine
article articles report reports papers letters words languages english french german spanish chinese japanese
korean italian russian american british european african asian america europe africa asia china japan india
france germany england italy spain russia canada australia brazil mexico london paris berlin tokyo beijing
moscow rome madrid sydney toronto chicago boston seattle francisco angeles san los york washington california
texas florida united kingdom monday tuesday wednesday thursday friday saturday sunday january february march
april june july august september october november december autumn afternoon days weeks months years hours
minutes seconds zero eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen thirty forty
fifty sixty seventy eighty ninety billion fourth fifth sixth seventh eighth ninth tenth quarter orange purple
pink grey dogs cats fox foxes horses pig sheep chicken birds lion tiger wolf mouse rabbit monkey elephant
snake animals rice eggs cheese apples banana vegetable vegetables coffee tea juice wine beer soup cake pizza
dinner lunch breakfast restaurant eyes ears hands arms legs heads faces sad angry hate hated wanted needs
needed hoped fears understand understood forget forgot forgotten easy important different empty false weak
public private local national international social political personal worst worse previous recent closed
dangerous dirty wet sweet bitter interesting boring amazing wonderful terrible horrible excellent perfect
awful funny serious normal rare likely unlikely beautiful ugly nice lazy popular available goes going gets
getting makes making knows known knowing thinks thinking takes taken taking sees seen seeing comes coming
wants wanting looks looked looking uses used using finds finding gives given giving tells telling works worked
working calls called calling tries tried trying asks asked asking feels feeling becomes became becoming leaves
leaving puts putting means meaning keeps keeping lets begins begun beginning seems seemed helps helped helping
talks talked talking turns turned turning starts started starting shows showed shown showing hears hearing
plays played playing runs running moves moved moving lives lived living believes believed holds holding brings
bringing happens happened happening writes writing sits sitting stands standing loses losing pays paid paying
meets meeting includes included including continues continued sets setting learns learned learning changes
changed changing leads leading understands watches watched watching follows followed following stops stopped
stopping creates created creating speaks spoken speaking reads reading allows allowed adds added adding spends
spent spending grows grown growing opens opened opening walks walked walking wins winning offers offered
remembers remembered loves loved loving considers considered appears appeared buys buying waits waited waiting
serves served dies died dying sends sending expects expected builds built building stays stayed falls fallen
falling cuts cutting reaches reached kills killed remains remained suggests suggested raises raised passes
passed selling sold requires required reported decides decided pulls pulled jumped jumping model models neural
network networks training trained tests tested testing input inputs output outputs layer layers vector vectors
matrix token tokens texts sentences query queries answers questions similarity embedding embeddings attention
transformer encoder decoder gpu cpu browser web webgpu bert server client code program programs files user
users online video videos image images photo photos camera screen app apps mobile device devices memory
performance faster fastest slower examples enjoy enjoyed fantastic awesome lovely pleased recommend
recommended disappointed disappointing waste annoying broken fail failed failure plot acting actor actress
actors characters director scene scenes ending script review reviews rating stars brilliant mediocre
predictable entertaining john mary james david michael robert william richard thomas paul peter george smith
johnson jones miller davis wilson anderson taylor google microsoft amazon facebook twitter ibm intel nvidia
mozilla obama einstein shakespeare located founded invented discovered population largest smallest highest
tallest oldest mountains lakes islands girls boys babies families brothers sisters sons doctors nurse police
officer soldiers queen prince princess lord god church wars peace army battle planets storm clouds trees
flowers park beach fields farms towns areas places times things ways parts problems facts points cases issue
issues ideas reasons results levels kinds sides groups systems numbers lines future schools classes lesson
lessons courses studies sciences arts math subjects exam library price tax taxes markets banks staff worker
workers manager boss plans project projects goal goals companies industries shops sale sales laws court judge
rights rules security safety crime prison freedom religion culture society community communities parties
election vote votes leader leaders member members minister lip lips tooth knee bones brain pain sick ill minor
trust feelings thoughts dreams belief hotel airport flight driver ticket tour holiday vacation bathroom
bedroom walls roof desk bag bottle cup plate knife keys pen pencil wake bigger biggest smaller longer longest
older younger higher lower harder easier greater greatest cafe resume naive fiance fiancee facade pinata creme
brulee deja vu senor jalapeno zurich munchen sao paulo espana francais cliche entree soiree uber un pre dis
mis non sub inter anti auto
`;

const SUFFIXES = `
##es ##ed ##ing ##ings ##ly ##er ##ers ##est ##tion ##tions ##sion ##ation ##ations ##ness ##ment ##ments
##ful ##less ##able ##ible ##al ##ally ##ic ##ical ##ous ##ious ##ive ##ize ##ized ##ise ##ity ##ty ##ie ##ies
##ied ##ish ##ism ##ist ##ists ##ance ##ence ##ant ##ent ##ary ##ery ##ory ##en ##an ##ian ##ship ##hood
##ward ##wards ##like ##ling ##let ##or ##ors ##ee ##ate ##ated ##ating ##ure ##age ##dom ##th ##fy ##ify
##ified ##ch ##sh ##ck ##ll ##ss ##ng ##nt ##st ##nd ##re ##le ##on ##in ##el ##et ##ia ##io ##um ##us ##ette
`;

function printableAscii(): string[] {
  const out: string[] = [];
  for (let code = 0x21; code <= 0x7e; code++) {
    const c = String.fromCharCode(code);
    if (c < 'A' || c > 'Z') out.push(c);
  }
  return out;
}

/** A fresh copy of the built-in vocabulary, in id order (first occurrence wins; the lists hold no repeats). */
export function defaultVocabulary(): string[] {
  const alnum = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
  const tokens = [
    ...Object.values(SPECIAL_TOKENS),
    ...printableAscii(),
    ...alnum.map((c) => `##${c}`),
    ...CJK_CHARS.split(/\s+/),
    ...WORDS.split(/\s+/),
    ...SUFFIXES.split(/\s+/),
  ].filter((t) => t !== '');
  return [...new Set(tokens)];
}
