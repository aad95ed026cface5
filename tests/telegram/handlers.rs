//! The handler tree under `teloxide_tests`' mock server: commands, reply kinds, buttons, HTML,
//! non-text messages and groups. (One mock bot at a time: teloxide_tests serialises them.)

use crate::fast_limits;
use bujiao::channels::telegram::handler::{Ctx, Settings, TEXT_ONLY};
use bujiao::channels::telegram::schema_for_plain_bot;
use teloxide::dptree;
use teloxide::types::{
    InlineKeyboardButtonKind, MessageEntity, MessageEntityKind, ParseMode, ReplyMarkup, UpdateKind,
};
use teloxide_tests::{
    MockBot, MockCallbackQuery, MockGroupChat, MockMe, MockMessageDocument, MockMessageLocation,
    MockMessagePhoto, MockMessageSticker, MockMessageText, MockMessageVoice, MockUser,
};

fn ctx() -> std::sync::Arc<Ctx> {
    let settings = Settings {
        typing_after: std::time::Duration::from_millis(0),
        ..Settings::default()
    };
    Ctx::new(crate::core_bot(), settings)
}

fn mock<T: teloxide_tests::IntoUpdate>(
    update: T,
) -> MockBot<
    bujiao::channels::telegram::handler::HandlerError,
    teloxide_tests::mock_bot::DistributionKey,
> {
    let mut bot = MockBot::new(update, schema_for_plain_bot(fast_limits()));
    bot.dependencies(dptree::deps![ctx()]);
    bot
}

fn command(text: &str) -> MockMessageText {
    let len = text
        .split_whitespace()
        .next()
        .unwrap()
        .encode_utf16()
        .count();
    MockMessageText::new()
        .text(text)
        .entities(vec![MessageEntity::new(
            MessageEntityKind::BotCommand,
            0,
            len,
        )])
}

/// The callback data of the inline buttons of a sent message.
fn buttons(req: &teloxide_tests::server::SentMessageText) -> Vec<(String, String)> {
    match &req.bot_request.reply_markup {
        Some(ReplyMarkup::InlineKeyboard(k)) => k
            .inline_keyboard
            .iter()
            .flatten()
            .map(|b| match &b.kind {
                InlineKeyboardButtonKind::CallbackData(d) => (b.text.clone(), d.clone()),
                other => panic!("not a callback button: {other:?}"),
            })
            .collect(),
        None => vec![],
        other => panic!("not an inline keyboard: {other:?}"),
    }
}

/// Only our own tags (`<b>`, `<i>`) may appear unescaped in HTML we send.
fn assert_valid_html(text: &str) {
    let stripped = text
        .replace("<b>", "")
        .replace("</b>", "")
        .replace("<i>", "")
        .replace("</i>", "");
    assert!(
        !stripped.contains('<') && !stripped.contains('>'),
        "unescaped markup: {text}"
    );
    for amp in stripped.match_indices('&') {
        let rest = &stripped[amp.0..];
        assert!(
            rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;"),
            "bare ampersand: {text}"
        );
    }
}

#[tokio::test]
async fn start_welcomes_with_three_example_buttons() {
    let mut bot = mock(command("/start"));
    bot.dispatch().await;
    let r = bot.get_responses();
    assert_eq!(r.sent_messages_text.len(), 1);
    let sent = &r.sent_messages_text[0];
    assert_eq!(sent.bot_request.parse_mode, Some(ParseMode::Html));
    let text = &sent.bot_request.text;
    assert!(text.contains("补缴"), "{text}");
    let b = buttons(sent);
    assert_eq!(b.len(), 3, "{b:?}");
    assert!(b.iter().all(|(_, d)| d.len() <= 64), "{b:?}");
    assert_valid_html(text);
}

#[tokio::test]
async fn help_reset_and_calc_commands() {
    let mut bot = mock(vec![command("/help"), command("/reset"), command("/calc")]);
    bot.dispatch().await;
    let r = bot.get_responses();
    assert_eq!(r.sent_messages_text.len(), 3, "{:?}", r.sent_messages_text);
    let calc = &r.sent_messages_text[2];
    let b = buttons(calc);
    let data: Vec<&str> = b.iter().map(|(_, d)| d.as_str()).collect();
    for id in [
        "calc:contribution",
        "calc:late-fee",
        "calc:retiree-topup",
        "calc:waiting-period",
    ] {
        assert!(data.contains(&id), "{data:?}");
    }
}

#[tokio::test]
async fn a_question_is_answered_with_its_basis() {
    let mut bot = mock(MockMessageText::new().text("单位被兼并了以前欠的医保费找谁补"));
    bot.dispatch().await;
    let r = bot.get_responses();
    let sent = r.sent_messages_text.last().expect("a reply");
    let text = &sent.bot_request.text;
    assert!(text.contains("兼并方"), "{text}");
    assert!(text.contains("参考条目") || text.contains("依据"), "{text}");
    assert_valid_html(text);
}

#[tokio::test]
async fn a_calculation_asks_with_quick_reply_buttons_and_shows_the_breakdown() {
    let mut bot = mock(vec![
        MockMessageText::new().text("我想算一下补缴养老保险要多少钱"),
        MockMessageText::new().text("灵活就业"),
        MockMessageText::new().text("基数3000"),
        MockMessageText::new().text("半年"),
    ]);
    bot.dispatch().await;
    let r = bot.get_responses();
    assert_eq!(r.sent_messages_text.len(), 4, "{:#?}", r.sent_messages_text);
    // The first question (which category?) offers its choices as buttons.
    assert!(!buttons(&r.sent_messages_text[0]).is_empty());
    let last = &r.sent_messages_text[3].bot_request.text;
    assert!(last.contains("3600.00"), "{last}");
    assert!(last.contains("<b>合计"), "{last}");
    for s in &r.sent_messages_text {
        assert_valid_html(&s.bot_request.text);
    }
}

#[tokio::test]
async fn a_button_press_is_acknowledged_unbuttoned_and_continued() {
    let keyboard = teloxide::types::InlineKeyboardMarkup::new(vec![vec![
        teloxide::types::InlineKeyboardButton::callback("补缴金额", "calc:contribution"),
    ]]);
    let pressed = MockMessageText::new()
        .text("请选择计算器")
        .reply_markup(keyboard)
        .build();
    let mut bot = mock(
        MockCallbackQuery::new()
            .data("calc:contribution")
            .message(pressed),
    );
    bot.dispatch().await;
    let r = bot.get_responses();
    assert_eq!(r.answered_callback_queries.len(), 1);
    assert_eq!(r.edited_messages_reply_markup.len(), 1);
    let sent = r.sent_messages_text.last().expect("a reply");
    assert!(
        sent.bot_request.text.starts_with("<i>» 补缴金额</i>"),
        "{}",
        sent.bot_request.text
    );
}

#[tokio::test]
async fn non_text_messages_get_a_text_only_note() {
    {
        // (One MockBot at a time: each holds teloxide_tests' global lock while it lives.)
        let mut bot = mock(MockMessagePhoto::new());
        bot.dispatch().await;
        let r = bot.get_responses();
        assert_eq!(r.sent_messages_text.len(), 1);
        assert_eq!(r.sent_messages_text[0].bot_request.text, TEXT_ONLY);
    }
    for update in [
        MockMessageSticker::new().build(),
        MockMessageVoice::new().build(),
        MockMessageLocation::new().build(),
        MockMessageDocument::new().build(),
    ] {
        let mut bot = mock(MockMessageText::new()); // replaced below
        bot.updates[0].kind = UpdateKind::Message(update);
        bot.dispatch().await;
        let r = bot.get_responses();
        assert_eq!(r.sent_messages_text.len(), 1);
        assert_eq!(r.sent_messages_text[0].bot_request.text, TEXT_ONLY);
    }
}

#[tokio::test]
async fn in_groups_only_commands_mentions_and_replies_are_answered() {
    let group = || MockGroupChat::new().id(-1001).build();
    let me = MockMe::new().build();
    let at = format!("@{}", me.username());
    let bot_user = MockUser::new().id(me.user.id.0).is_bot(true).build();
    let reply_to_bot = MockMessageText::new()
        .text("上一条")
        .from(bot_user)
        .chat(group())
        .build();
    let mut bot = mock(vec![
        MockMessageText::new()
            .text("大家好，今天开会")
            .chat(group()),
        MockMessageText::new()
            .text(format!("{at} 单位被兼并了以前欠的医保费找谁补"))
            .chat(group()),
        command("/help@some_other_bot").chat(group()),
        command(&format!("/help{at}")).chat(group()),
        MockMessageText::new()
            .text("单位被兼并了以前欠的医保费找谁补")
            .reply_to_message(reply_to_bot)
            .chat(group()),
    ]);
    bot.dispatch().await;
    let r = bot.get_responses();
    // The mention, our /help and the reply: three answers; the chatter and the other bot's
    // command: none.
    assert_eq!(r.sent_messages_text.len(), 3, "{:#?}", r.sent_messages_text);
    assert!(r.sent_messages_text[0].bot_request.text.contains("兼并方"));
    // In a group, the answer replies to the message it answers.
    assert!(r.sent_messages_text[0]
        .bot_request
        .reply_parameters
        .is_some());
}

#[tokio::test]
async fn edited_messages_are_not_answered_again() {
    let original = MockMessageText::new().text("单位被兼并了以前欠的医保费找谁补");
    let edited = teloxide_tests::MockEditedMessage::new(
        MockMessageText::new()
            .text("单位被合并了以前欠的医保费找谁补")
            .build(),
    );
    let mut bot = mock(original);
    bot.dispatch().await;
    assert_eq!(bot.get_responses().sent_messages_text.len(), 1);
    bot.update(edited);
    bot.dispatch().await;
    assert_eq!(bot.get_responses().sent_messages_text.len(), 0);
}
