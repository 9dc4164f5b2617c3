"""Rules for what an injected instruction says: overrides, address, role-play, secrecy."""

from __future__ import annotations

from credgate.guard.injection_rules import (
    ADDRESS,
    OVERRIDE,
    ROLEPLAY,
    SECRECY,
    Rule,
    rule,
)

_OBJECTS = (
    r"(?:instructions?|directives?|directions?|guidelines|prompts?|system\sprompts?|guardrails"
    r"|safeguards|programming|(?:your|the|all|any|these|those)\srules|rules\s(?:above|below)"
    r"|(?:your|safety|content|usage)\spolic(?:y|ies)|constraints|restrictions|orders"
    r"|(?:evaluation|grading|screening|triage|review)\s(?:criteria|rules)"
    r"|(?:the\s)?above(?!\s+(?!and\b|instead\b|then\b|now\b)[a-z])"
    r"|everything\s(?:above|before|prior|else|you(?:['’]ve|\shave)?\s(?:been|were)\stold)"
    r"|what\syou\s(?:were|have\sbeen)\stold|(?:previous|prior)\s(?:context|conversation)"
    r"|(?:the\s)?(?:user|human)['’]?s?\s(?:question|request|message|prompt|task|query))"
)
_IGNORE = (
    r"(?:ignore|disregard|forget|skip|bypass|override|overrule|neglect|discard|set\saside"
    r"|pay\sno\sattention\sto|do\snot\s(?:follow|obey|heed)|don['’]t\s(?:follow|obey)"
    r"|stop\s(?:following|obeying)|no\slonger\s(?:follow|obey))"
)
_ASSISTANT = (
    r"(?:ai|a\.i\.|llms?|large\slanguage\smodels?|language\smodels?|assistants?|agents?"
    r"|chatbots?|bots?|models?|copilot|claude|chatgpt|gpt(?:-?\d\w*)?|gemini|cursor"
    r"|(?:screening|processing|triage|review)\s(?:systems?|agents?|bots?)|reviewers?)"
)


INSTRUCTION_RULES: tuple[Rule, ...] = (
    # -- overriding the assistant's instructions --------------------------------------------
    rule(
        "override.ignore_instructions",
        OVERRIDE,
        "override",
        0.6,
        "tells the reader to ignore or forget its previous instructions",
        rf"\b{_IGNORE}\b(?:\s+[\w'’-]+){{0,4}}?\s+{_OBJECTS}\b",
        starts=(
            "ignor|disregard|forget|skip|bypass|overrid|overrul|neglect|discard|set aside"
            "|pay no attention|do not|don't|don’t|stop|no longer"
        ),
    ),
    rule(
        "override.rules_cancelled",
        OVERRIDE,
        "override",
        0.5,
        "declares earlier rules or the system prompt void",
        r"\b(?:(?:all\s|any\s)?(?:prior|previous|earlier|above|preceding|former|old)\s"
        r"(?:rules|instructions|directives|guidelines|constraints)|the\srules\sabove"
        r"|the\ssystem\sprompt)\s(?:(?:are|were|is|have\sbeen|has\sbeen)\s(?:now\s)?"
        r"(?:cancel+ed|void|invalid|obsolete|outdated|revoked|lifted|superseded|overridden"
        r"|(?:only\s)?a\stest|no\slonger\svalid)|no\slonger\sappl(?:y|ies))",
        starts=(
            "prior|previous|earlier|above|preceding|former|old|all prior|all previous|all earlier"
            "|all above|all preceding|all former|all old|any prior|any previous|any earlier"
            "|any above|any preceding|any former|any old|the rules|the system"
        ),
    ),
    rule(
        "override.new_instructions",
        OVERRIDE,
        "override",
        0.35,
        "announces new instructions that replace the current ones",
        r"\b(?:new|updated|real|actual|revised|hidden|secret)\s(?:system\s)?"
        r"(?:instructions?|directives?|orders)\b\s*(?:[:\-—]|follow|from\s(?:your|the)\s"
        r"(?:developer|admin|system|operator)|(?:take|takes|have|has)\s(?:priority|precedence))",
        starts=(
            "new instruction|new system|new directive|new order|updated instruction"
            "|updated system|updated directive|updated order|real instruction|real system"
            "|real directive|real order|actual instruction|actual system|actual directive"
            "|actual order|revised instruction|revised system|revised directive|revised order"
            "|hidden instruction|hidden system|hidden directive|hidden order|secret instruction"
            "|secret system|secret directive|secret order"
        ),
    ),
    rule(
        "override.from_now_on",
        OVERRIDE,
        "override",
        0.4,
        "redefines how the assistant behaves from now on",
        r"\b(?:from\snow\son|starting\snow|henceforth|for\sthe\srest\sof\sthis\s"
        r"(?:conversation|session)),?\s+you\s(?:will|must|are|should|shall|only|follow|obey"
        r"|respond|answer)",
        starts="from now on|starting now|henceforth|for the rest",
    ),
    rule(
        "override.real_task",
        OVERRIDE,
        "override",
        0.45,
        "claims the assistant's real task is something else",
        r"\byour\s(?:real|actual|true|new|primary|only)\s(?:task|goal|job|purpose|objective"
        r"|instructions?|mission)\s(?:is|are|now)\b",
        starts="your real|your actual|your true|your new|your primary|your only",
    ),
    rule(
        "override.stop_user",
        OVERRIDE,
        "override",
        0.5,
        "tells the assistant to stop serving the user's request",
        r"\b(?:stop|quit|cease)\s(?:following|obeying|answering|serving|helping\swith)\s"
        r"(?:the\s|your\s)?(?:user|human|original|current|previous)",
        starts="stop|quit|cease",
    ),
    rule(
        "override.priority",
        OVERRIDE,
        "override",
        0.45,
        "claims priority over the assistant's other instructions",
        r"\b(?:these|this|the\sfollowing|my)\s(?:new\s)?(?:instructions?|rules|message"
        r"|directives?)\s(?:take|takes|have|has)\s(?:priority|precedence)\b"
        r"|\b(?:supersedes?|overrides?)\s(?:all|any|your|the)\s(?:previous|prior|other|system"
        r"|earlier)",
        starts=(
            "these instruction|these rule|these message|these directive|these new"
            "|this instruction|this rule|this message|this directive|this new|the following"
            "|my instruction|my rule|my message|my directive|my new|supersede|overrid"
        ),
    ),
    rule(
        "override.mode_switch",
        OVERRIDE,
        "override",
        0.45,
        "switches the assistant into an override or unrestricted mode",
        r"\b(?:(?:system|admin|security)\soverride|(?:developer|god|jailbreak|dan|unrestricted"
        r"|unfiltered|sudo)\smode)\b",
        starts="system|admin|security|developer|god|jailbreak|dan|unrestricted|unfiltered|sudo",
    ),
    rule(
        "override.foreign",
        OVERRIDE,
        "override",
        0.6,
        "tells the reader to ignore its previous instructions (non-English)",
        r"\b(?:ignore[zs]?|oublie[zs]?|ne\ssuive[sz]\splus|ignoriere|vergiss|befolge"
        r"|ignora|olvida|no\ssigas|ignore|esque[çc]a|dimentica|игнорируй|забудь)\b"
        r"[^.!?\n]{0,40}?\b(?:instructions?|consignes|r[èe]gles|anweisungen|regeln|vorgaben"
        r"|instrucciones|reglas|instru[çc][õo]es|regras|istruzioni|regole|инструкции|правила)"
        r"|(?:忽略|无视|忘记|不要再?遵守)[^。！？\n]{0,12}(?:指令|指示|规则|提示|说明)"
        r"|(?:以前|これまで)の指示を(?:すべて)?無視",
        starts=(
            "ignor|oublie|ne suive|vergiss|befolge|olvida|no sigas|esque|dimentica|игнорируй"
            "|забудь|忽略|无视|忘记|不要|以前|これまで"
        ),
    ),
    # -- addressing the assistant -----------------------------------------------------------
    rule(
        "address.salutation",
        ADDRESS,
        "addressing",
        0.3,
        "addresses an AI assistant or agent directly",
        r"\b(?:dear|hey|hi|hello|attention|attn|note\sto|notice\sto|message\s(?:for|to)"
        r"|instructions?\s(?:for|to)|(?:important\s)?(?:note|information|reminder)\sfor|to\sany"
        r"|to\sall|for\sany|if\syou\sare\san?)\s+(?:the\s|an?\s|any\s|all\s|our\s)?"
        rf"(?:automated\s|ai[\s-]|llm[\s-]|coding\s|autonomous\s|\w+\sprocessing\s)?{_ASSISTANT}\b",
        starts=(
            "dear|hey|hi|hello|attention|attn|note|notice|message|instruction|important"
            "|information|reminder|to any|to all|for any|if you are"
        ),
    ),
    rule(
        "address.vocative",
        ADDRESS,
        "addressing",
        0.25,
        "a line that starts by calling the assistant",
        r"(?:ai\sassistant|assistant|ai\sagents?(?:\sonly)?|agents?|llm|claude|chatgpt|copilot"
        r"|gpt|ai|model|ai\sreviewer)\b\]?\**\s*[:,—]",
        starts="ai|assistant|agent|llm|claude|chatgpt|copilot|gpt|model",
        before=r"(?:^|[.!?]\s|\n|>)[\s>*#\[]*(?:<[a-z][^<>]{0,40}>\s*)*$",
    ),
    rule(
        "address.mention",
        ADDRESS,
        "addressing",
        0.3,
        "mentions the assistant with an @-handle",
        r"@(?:assistant|agent|ai|claude|copilot|ai-agent|llm|chatgpt)\b",
        starts="@",
    ),
    rule(
        "address.processing_agent",
        ADDRESS,
        "addressing",
        0.3,
        "speaks to whatever automated system processes the text",
        r"\b(?:automated|autonomous|ai|llm)[\s-](?:\w+\s){0,2}?(?:agents?|systems?|assistants?"
        r"|bots?|reviewers?|tools?)\s(?:that\s(?:is\s)?|who\s(?:is\s)?)?(?:reading|processing"
        r"|summari[sz]ing|triaging|parsing|reviewing|handling|refactoring|editing)\b"
        rf"|\b{_ASSISTANT}\s(?:that\s(?:is\s)?)?(?:reading|processing|summari[sz]ing|triaging"
        r"|parsing|handling|refactoring|editing)\s(?:this|these|the)\b",
        starts=(
            "automated|autonomous|ai|llm|a.i.|large|language|assistant|agent|chatbot|bot|model"
            "|copilot|claude|chatgpt|gpt|gemini|cursor|screening|processing|triage|review"
        ),
    ),
    rule(
        "address.foreign",
        ADDRESS,
        "addressing",
        0.3,
        "addresses an AI assistant directly (non-English)",
        r"\b(?:(?:note|message|instructions?)\s(?:pour|à)\s(?:l['’]|les\s|le\s|la\s)?"
        r"(?:assistant|ia|agent|mod[eè]le)|assistant\sia|(?:hinweis|nachricht|anweisung(?:en)?)"
        r"\s(?:an|für)\s(?:den\s|die\s|das\s)?(?:ki|assistenten|agenten|modell|sprachmodell)"
        r"|ki-(?:assistent|agent)\w*|(?:nota|mensaje|instrucciones?)\spara\s(?:el\s|la\s)?"
        r"(?:asistente|ia|agente|modelo)|asistente(?:\sde\sia|\svirtual)?|assistente(?:\svirtual)?"
        r"|istruzioni\sper\sl['’]assistente|ии-ассистент|ассистент)\b"
        r"|致\s?(?:ai|人工智能)|(?:ai|人工智能)\s?助手|aiアシスタント",
        starts=(
            "note|message|instruction|assistant|hinweis|nachricht|anweisung|ki-|nota|mensaje"
            "|asistente|assistente|istruzioni|ии-ассистент|ассистент|致|ai|人工智能"
        ),
    ),
    rule(
        "address.your_answer",
        ADDRESS,
        "addressing",
        0.3,
        "refers to the assistant's answer or next step",
        r"(?:in|to|into|inside|with|at\sthe\s(?:end|start|top|bottom)\sof)\syour\s(?:answer|reply"
        r"|response|output|summary|next\smessage|final\smessage|message)s?\b"
        r"|before\s(?:answering|responding|replying|summari[sz]ing|continuing|you\s(?:answer"
        r"|respond|reply|summari[sz]e|continue))\b",
        starts="in your|to your|into your|inside your|with your|at the|before",
    ),
    rule(
        "address.your_answer_foreign",
        ADDRESS,
        "addressing",
        0.3,
        "refers to the assistant's answer (non-English)",
        r"(?:dans|à\sla\sfin\sde)\s(?:votre|ta)\s(?:réponse|résumé)|à\sla\sfin\sdu\srésumé"
        r"|(?:in|an)\s(?:deine[rn]?|ihre[rn]?|die)\s(?:antwort|zusammenfassung)"
        r"|(?:en|al\sfinal\sde)\s(?:tu|su)\s(?:respuesta|resumen)|al\sfinal\sdel\sresumen"
        r"|(?:na|no\sfinal\sda)\ssua\sresposta|nella\stua\srisposta|alla\sfine\sdel\sriassunto"
        r"|(?:附在|放在|加到|写在)(?:摘要|回答|回复)(?:末尾|中|里)|在(?:你的)?(?:回答|回复)中",
        starts="dans|à la fin|in deine|in ihre|in die|an deine|an ihre|an die|en tu|en su|al final"
        "|na sua|no final|nella|alla fine|附在|放在|加到|写在|在",
    ),
    rule(
        "address.role_marker",
        ADDRESS,
        "addressing",
        0.45,
        "fakes a chat-template or system-message marker",
        r"<\|(?:im_start|im_end|system|endoftext|start_header_id)\|>|\[/?INST\]|<</?SYS>>"
        r"|</?system(?:-(?:prompt|message|reminder))?>|</(?:tool_output|tool_result"
        r"|function_results|search_results|document|context)>"
        r"|\[(?:system|admin|developer)(?:\s(?:message|note|notice|instructions?))?\]"
        r"|(?-i:\bSYSTEM(?:\s(?:NOTICE|MESSAGE|NOTE|PROMPT|INSTRUCTION))?\s?:)"
        r"|\bsystem\s(?:notice|message|instruction)s?\s?:",
        starts=(
            "<|[inst]|[/inst]|<<sys>>|<</sys>>|<system|</system|</tool_output|</tool_result"
            "|</function_results|</search_results|</document|</context|[system|[admin|[developer"
            "|system"
        ),
    ),
    rule(
        "address.role_header",
        ADDRESS,
        "addressing",
        0.4,
        "a markdown heading that fakes a system or instruction section",
        r"#{2,4}\s*(?:system|instructions?|system\sprompt)\s*:?[ \t]*$",
        starts="#",
        before=r"(?:^|\n)[ \t]*$",
    ),
    # -- role-play and jailbreak framings -------------------------------------------------------
    rule(
        "roleplay.dan",
        ROLEPLAY,
        "roleplay",
        0.5,
        "a known jailbreak persona or mode",
        r"\bdo\sanything\snow\b|(?-i:\bDAN\b)|\bjailbreak(?:ed|ing)?\s(?:mode|prompt)"
        r"|\bjailbroken\b|\b(?:developer|god|unrestricted|unfiltered|evil|opposite)\smode\b",
        starts=(
            "do anything now|dan|jailbreak|jailbroken|developer|god|unrestricted|unfiltered|evil"
            "|opposite"
        ),
    ),
    rule(
        "roleplay.you_are_now",
        ROLEPLAY,
        "roleplay",
        0.3,
        "redefines who the assistant is",
        r"\byou\s(?:are\s(?:now|no\slonger)|are\sgoing\sto\s(?:act|be|pretend)|have\sbeen"
        r"\s(?:upgraded|switched|unlocked))\b|\btu\ses\smaintenant\b|\bdu\sbist\sjetzt\b"
        r"|\bahora\seres\b|\bora\ssei\b|\bagora\svoc[êe]\s[ée]\b|你现在是|\bты\sтеперь\b",
        starts=(
            "you are|you have been|tu es|du bist|ahora eres|ora sei|agora voc|你现在是|ты теперь"
        ),
    ),
    rule(
        "roleplay.game",
        ROLEPLAY,
        "roleplay",
        0.3,
        "sets up a game or persona for the assistant",
        r"let['’]?s\splay\sa\sgame|let\sus\splay\sa\sgame|play\sa\sgame\swith\sme"
        r"|you\sare\s(?:called\s|named\s)?[A-Z]\w+,\s(?:who|an?\s(?:ai|assistant|bot)\sthat)"
        r"\s(?:always|never|can)\b",
        starts="let's|let’s|lets|let us|play a game|you are",
    ),
    rule(
        "roleplay.no_limits",
        ROLEPLAY,
        "roleplay",
        0.4,
        "asks the assistant to act without its restrictions",
        r"\b(?:pretend|imagine|act\sas|behave\sas|role-?play\sas|play\sthe\srole\sof|simulate"
        r"|you\sare)\b[^.!?\n]{0,60}?\b(?:no|without|free\sof|unrestricted|unfiltered|uncensored"
        r"|jailbroken|unlimited)\b[^.!?\n]{0,20}?(?:restrictions?|rules|filters?|limits?"
        r"|limitations?|guidelines|polic(?:y|ies)|ethics|safety|censorship|confines)?"
        r"|\b(?:broken\sfree\sof|free\sfrom)\s(?:the\s)?(?:typical\s)?(?:confines|restrictions"
        r"|rules)|\b(?:unrestricted|unfiltered)\s(?:mode|ai|assistant|shell)"
        r"|\bsans\s(?:aucune\s)?restrictions?\b|\bohne\s(?:jegliche\s)?einschr[äa]nkungen\b"
        r"|\bsin\srestricciones\b|\bsem\srestri[çc][õo]es\b|\bsenza\srestrizioni\b"
        r"|没有任何限制|\bбез\sограничений\b",
        starts=(
            "pretend|imagine|act as|behave as|role|play the role|simulate|you are|broken free"
            "|free from|unrestricted|unfiltered|sans|ohne|sin|sem|senza|没有任何限制|без"
        ),
    ),
    # -- keeping it from the user ---------------------------------------------------------------
    rule(
        "secrecy.hide_from_user",
        SECRECY,
        "secrecy",
        0.45,
        "tells the assistant to hide what it does from the user",
        r"\b(?:do\snot|don['’]t|never|without)\s(?:tell(?:ing)?|inform(?:ing)?|notify(?:ing)?"
        r"|alert(?:ing)?|mention(?:ing)?|let(?:ting)?)\s(?:this\s|it\s|anything\s)?(?:to\s)?"
        r"(?:the\s|your\s)?(?:user|human|owner|operator|admin|anyone)\b"
        r"|\b(?:do\snot|don['’]t|never|must\snot)\s(?:be\s)?(?:mention(?:ed)?|reveal|disclose"
        r"|acknowledge|reference)\s(?:this|these|that\syou|the\s(?:above|following)|any\sof\sthis"
        r"|in\sthe\ssummary)"
        r"|\bmust\snot\sbe\smentioned|\bas\sif\snothing\s(?:happened|was\ssaid)|\bkeep\sthis"
        r"\s(?:between\sus|secret|confidential|hidden)|\b(?:hide|conceal)\s(?:this|these|it)"
        r"\sfrom\s(?:the\s)?user|\b(?:silently|secretly|covertly|quietly)\s(?:send|forward|post"
        r"|upload|add|run|execute|include|exfiltrate|copy|approve|do)|\bdo\s(?:this|it)\s"
        r"(?:silently|secretly|quietly)|\bwithout\s(?:asking|confirmation|approval|the\suser['’]?s?"
        r"\s(?:knowing|knowledge|consent))|\bdo\snot\sask\s(?:the\suser|for\s(?:confirmation"
        r"|approval|permission)|anyone)|\bno\sneed\sto\sask\b"
        r"|sans\sle\sdire\s[àa]|ohne\sden\s(?:nutzer|benutzer|anwender)\szu\sinformieren"
        r"|informiere\sden\s(?:nutzer|benutzer)\snicht|sin\sdec[íi]rselo|sin\savisar"
        r"|n[ãa]o\sconte\sao\susu[áa]rio|sem\savisar|non\sdirlo|не\sговори\sпользователю"
        r"|不要告诉用户|别告诉用户|不要让用户知道|ユーザーに(?:言わ|伝え)ないで"
        r"|non\sdirlo\sall['’]utente|não\s(?:diga|conte)",
        starts=(
            "do not|don't|don’t|never|without|must not|as if nothing|keep this|hide|conceal"
            "|silently|secretly|covertly|quietly|do this|do it|no need to ask|sans le dire"
            "|ohne den|informiere|sin dec|sin avisar|não|sem avisar|non dirlo|не говори|不要|别告诉"
            "|ユーザーに"
        ),
    ),
    rule(
        "secrecy.false_authority",
        SECRECY,
        "secrecy",
        0.35,
        "claims the action was already authorised",
        r"\b(?:the\suser|the\sowner|your\s(?:user|owner|operator|developer|admin)|management"
        r"|the\ssecurity\steam|the\sciso|it)\s(?:has\s|have\s)?(?:already\s)?(?:authori[sz]ed"
        r"|approved|cleared|consented\sto|pre-?approved|signed\soff\son)\s(?:this|it|these)"
        r"|\b(?:pre-?approved|already\s(?:been\s)?(?:approved|authori[sz]ed|cleared))\b"
        r"|\bthis\s(?:is|was)\s(?:an?\s)?(?:approved|authori[sz]ed|sanctioned|official)\s"
        r"(?:security\s)?(?:test|audit|request|exercise|action)|\b(?:authori[sz]ed|required"
        r"|mandated)\sby\s(?:the\s)?(?:administrator|admin|security\steam|ciso|platform\steam"
        r"|it\sdepartment|management|the\snew\s\w+\sdirective)|\bno\s(?:human\s)?review\sis"
        r"\sneeded|\bit['’]s\sbeen\scleared|\bthe\s(?:user|reader)\s(?:expects|wants)\sthis"
        r"|\bl['’]utilisateur\sa\sd[ée]j[àa]\s(?:approuv[ée]|autoris[ée])|\bel\susuario\sya\slo"
        r"\saprob[óo]",
        starts=(
            "the user|the owner|your user|your owner|your operator|your developer|your admin"
            "|management|the security|the ciso|it has|it have|it already|it authori|it approved"
            "|it cleared|it consented|it pre|it signed|it's been|it’s been|pre-approved"
            "|preapproved|already|this is|this was|authori|required|mandated|no review|no human"
            "|the reader|l'utilisateur|l’utilisateur|el usuario"
        ),
    ),
)
