/**
 * The text tab's example corpus: short sentences written by hand for this page, 40 per class, over seed 002's three
 * classes (news / entertainment / technology). It is illustrative, not a benchmark: small enough to train in the
 * page in a moment and to read in full (the tab lists it), and seed 002's sentence is not in it.
 */

/** Seed 002's classes, in its order (its logits [2.0, 1.0, 0.1] are over these). */
export const TEXT_CLASSES = ['news', 'entertainment', 'technology'] as const;

/** Seed 002's sentence: the tab shows it by default. */
export const SEED_SENTENCE = 'The new smartphone has amazing features.';

const NEWS = [
  'The government announced a new budget for schools and hospitals.',
  'Parliament voted on the proposed tax reform late last night.',
  'The prime minister met foreign leaders at the summit in Geneva.',
  'Heavy floods forced thousands of families to leave their homes.',
  'The central bank raised interest rates for the third time this year.',
  'Police arrested two suspects after the robbery downtown.',
  'Voters head to the polls on Sunday for the regional election.',
  'The president signed the climate agreement on Tuesday.',
  'Unemployment fell to its lowest level in a decade, officials said.',
  'A strong earthquake struck the coast early this morning.',
  'The mayor promised more buses and safer streets for the city.',
  'Negotiators reached a ceasefire deal after weeks of talks.',
  'The court ruled that the new law violates the constitution.',
  'Firefighters are still battling the wildfire in the hills.',
  'Inflation rose again as food and energy prices climbed.',
  'The minister resigned after the corruption scandal.',
  'Protesters gathered outside the capitol to demand reforms.',
  'The senate approved funding for roads and bridges.',
  'Officials confirmed the death toll from the storm has risen.',
  'The opposition party criticised the government over rising rents.',
  'Trade talks between the two countries resumed this week.',
  'The election commission will publish the final results tomorrow.',
  'Farmers protested against the new import rules.',
  'The army sent aid to the villages cut off by the landslide.',
  'A report shows crime dropped in most cities last year.',
  'The governor declared a state of emergency after the hurricane.',
  'Diplomats expelled from the embassy returned home on Friday.',
  'The health ministry launched a national vaccination campaign.',
  'Striking workers and the union agreed to a new wage deal.',
  'The trial of the former minister begins next month.',
  'World leaders condemned the attack on the border town.',
  'Refugees crossed the border as the conflict spread.',
  'The treasury warned that public debt is growing too fast.',
  'Rescue teams searched the collapsed building through the night.',
  'The council voted to close the old coal power plant.',
  'Lawmakers debated the immigration bill for six hours.',
  'The police chief announced an inquiry into the shooting.',
  'Officials said the drought has damaged half of the harvest.',
  'The ambassador met the foreign minister to discuss sanctions.',
  'Citizens will vote in a referendum on the new constitution.',
];

const ENTERTAINMENT = [
  'The movie won three awards at the film festival.',
  'Her new album tops the charts for the second week.',
  'The actor will star in a sequel to the hit comedy.',
  'Fans lined up for hours to see the band play live.',
  'The series finale drew millions of viewers on Sunday night.',
  'The director revealed the trailer for her next film.',
  'The singer announced a world tour starting in spring.',
  'Critics praised the musical for its songs and dancing.',
  'The festival lineup includes rock bands and famous rappers.',
  'The comedian sold out every show of his stand-up tour.',
  'The celebrity couple married in a private ceremony.',
  'The animated film broke box office records this weekend.',
  'The drama series was renewed for a fifth season.',
  'An actress won the best performance award at the gala.',
  'The pop star released a surprise single at midnight.',
  'The concert was cancelled after the guitarist fell ill.',
  'The reality show crowned its winner in a dramatic finale.',
  'The novel will be adapted into a television series.',
  'Audiences laughed and cried at the premiere of the play.',
  'The rapper and the producer are working on a new record.',
  'The horror movie scared audiences around the world.',
  'The band reunited for one last concert in their home town.',
  'The talk show host interviewed the famous actor.',
  'The opera opened the season with a sold out performance.',
  'The superhero film earned a fortune in its first week.',
  'The soundtrack of the musical became a huge hit.',
  'The star walked the red carpet in a stunning dress.',
  'The sitcom returns with its original cast next year.',
  'The singer thanked her fans after winning the music award.',
  'The documentary about the jazz legend premiered on Friday.',
  'The film critics named it the best comedy of the year.',
  'Tickets for the boy band concert sold out in minutes.',
  'The actor talked about his role in the new thriller.',
  'The cartoon characters return in a holiday special.',
  'The dancers performed the ballet to a standing ovation.',
  'The celebrity chef hosts a new cooking show on television.',
  'The studio announced a prequel to the fantasy saga.',
  'The country singer released a song about her childhood.',
  'The magician amazed the audience with a new trick.',
  'The famous director will shoot his next movie in Rome.',
];

const TECHNOLOGY = [
  'The company unveiled a faster laptop with a longer battery life.',
  'The update adds new privacy features to the phone.',
  'Engineers built a chip that uses half the power.',
  'The app lets users edit photos with artificial intelligence.',
  'The new tablet has a brighter screen and a better camera.',
  'Researchers trained a neural network to translate speech.',
  'The startup released open source software for developers.',
  'The smartwatch tracks your heart rate and sleep.',
  'Hackers exploited a bug in the web browser.',
  'The phone maker announced a foldable device with a large display.',
  'The operating system update fixes security flaws.',
  'Electric cars get a software upgrade over the air.',
  'The robot can sort packages in the warehouse without help.',
  'The processor has eight cores and runs cooler.',
  'The company launched a cloud service for storing data.',
  'The new headphones cancel noise with smart sensors.',
  'Programmers can now write code faster with the new tool.',
  'The satellite network brings fast internet to rural areas.',
  'The gadget connects to your smartphone over bluetooth.',
  'Scientists built a quantum computer with more qubits.',
  'The camera app uses machine learning to improve low light photos.',
  'The game console supports higher resolution and faster loading.',
  'The search engine added a chatbot to answer questions.',
  'The smartphone comes with a powerful processor and fast charging.',
  'The tech giant released a developer kit for virtual reality.',
  'The new wireless standard doubles download speeds.',
  'Users can unlock the device with face recognition.',
  'The software company patched a serious vulnerability.',
  'The drone has a stabilised camera and a longer flight time.',
  'The battery technology promises phones that charge in minutes.',
  'The laptop features a touch screen and a lighter design.',
  'Engineers designed a sensor that reads data from the cloud.',
  'The new version of the browser blocks trackers by default.',
  'The startup built an app that turns speech into text.',
  'The smart speaker now supports more languages.',
  'The new graphics card renders games at high frame rates.',
  'The phone has a better battery and an amazing screen.',
  'The company released a new programming language for the web.',
  'Developers can test the beta version of the mobile app.',
  'The router supports faster wifi and more connected devices.',
];

export interface LabelledText {
  text: string;
  /** Index into TEXT_CLASSES. */
  label: number;
}

/** The corpus in class order: every news sentence, then entertainment, then technology. */
export const TEXT_CORPUS: readonly LabelledText[] = [NEWS, ENTERTAINMENT, TECHNOLOGY].flatMap((texts, label) => texts.map((text) => ({ text, label })));

/** Sentences that are not in the corpus, one per class and a mixed one, for the example buttons. */
export const TEXT_EXAMPLES: readonly string[] = [
  SEED_SENTENCE,
  'The minister announced new taxes after the election.',
  'The singer will perform her hit songs at the festival.',
  'The new phone update improves the camera and the battery.',
  'The actor met the president to discuss the new law.',
];
