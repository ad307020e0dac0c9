"""Each of the seven form plugins, in a real WordPress: a visitor's submission reaches Form-Bridge
with a stable, readable form id and the labels users see as field names.

The real form plugins are not in any package registry these tests can reach (they are
distributed through wordpress.org and their vendors), so each one is represented by a test-only
must-use plugin (tests/wordpress/mu-plugins/standin-*.php) that defines objects shaped like that
plugin's, from its public documentation and source, and fires its hook with the documented
arguments inside a visitor's POST request."""
import pytest

from portal.selectors.submissions import SubmissionFilters, submission_list

CASES = {
    "cf7": dict(
        post={"your-name": "Ada Lovelace", "your-email": "ada@example.com", "your-message": "Hello\nthere",
              "topics[]": ["design", "hosting"]},
        form_id="cf7-123-contact", plugin="contact-form-7", version="5.9.8",
        fields={"your-name": "Ada Lovelace", "your-email": "ada@example.com", "your-message": "Hello\nthere",
                "topics": ["design", "hosting"]},
        page_url="https://shop.example/contact/"),
    "gravityforms": dict(
        post={"first": "Grace", "last": "Hopper", "email": "grace@example.com", "service_1": "Design",
              "service_3": "Hosting"},
        form_id="gf-7-quote-request", plugin="gravityforms", version="2.8.7",
        fields={"Name": "Grace Hopper", "Email": "grace@example.com", "Services": ["Design", "Hosting"]},
        page_url="https://shop.example/quote/"),
    "wpforms": dict(
        post={"name": "Katherine Johnson", "email": "kj@example.com", "topics[]": ["News", "Offers"]},
        form_id="wpforms-12-newsletter-signup", plugin="wpforms", version="1.9.1",
        fields={"Your name": "Katherine Johnson", "Email address": "kj@example.com", "Topics": ["News", "Offers"]}),
    "elementor": dict(
        post={"name": "Margaret Hamilton", "email": "mh@example.com", "message": "Apollo"},
        form_id="elementor-3f2a9c1-job-application", plugin="elementor-pro", version="3.24.2",
        fields={"Full name": "Margaret Hamilton", "Email": "mh@example.com", "message": "Apollo"},
        page_url="https://shop.example/careers/"),
    "ninjaforms": dict(
        post={"name": "Hedy Lamarr", "phone": "+1 555 0100", "days[]": ["Monday", "Friday"]},
        form_id="ninja-4-book-a-call", plugin="ninja-forms", version="3.8.16",
        fields={"Name": "Hedy Lamarr", "Phone": "+1 555 0100", "Best days": ["Monday", "Friday"]}),
    "fluentform": dict(
        post={"first": "Alan", "last": "Turing", "email": "alan@example.com", "description": "It halts?"},
        form_id="fluentform-3-support-ticket", plugin="fluentform", version="5.2.6",
        fields={"Name": "Alan Turing", "Email": "alan@example.com", "Describe the problem": "It halts?"}),
    "formidable": dict(
        post={"company": "Analytical Engines Ltd", "budget": "10k", "channels[]": ["SEO", "Ads"]},
        form_id="formidable-5-project-brief", plugin="formidable", version="6.14",
        fields={"Company": "Analytical Engines Ltd", "Budget": "10k", "Channels": ["SEO", "Ads"]}),
}

VISITOR = {"User-Agent": "Mozilla/5.0 (standin visitor)", "Referer": "https://shop.example/form-page/"}


def stored_submissions(tenant):
    return submission_list(tenant=tenant, filters=SubmissionFilters(spam="all"), limit=100).items


def queue_rows(wordpress):
    return wordpress.php("global $wpdb; echo wp_json_encode( $wpdb->get_results("
                         "'SELECT id, uuid, form_id, status, attempts, last_error, remote_id FROM ' . Form_Bridge_Queue::table()"
                         " . ' ORDER BY id', ARRAY_A ) );")


@pytest.mark.parametrize("code", list(CASES))
def test_each_form_plugin_submission_arrives_with_its_form_id_and_labelled_fields(wordpress, connected_site, code):
    case = CASES[code]
    status, body = wordpress.request(f"/?form_bridge_standin={code}", data=case["post"], headers=VISITOR)
    assert status == 200, body

    [submission] = stored_submissions(connected_site["tenant"])
    assert submission.formId == case["form_id"]
    assert submission.fields == case["fields"]
    assert submission.siteId == connected_site["site"].id
    meta = submission.meta
    assert meta["form_plugin"] == case["plugin"] and meta["form_plugin_version"] == case["version"]
    assert meta["user_agent"] == VISITOR["User-Agent"] and meta["referrer"] == VISITOR["Referer"]
    assert meta["ip"] == "127.0.0.1"
    # The form plugin's own page URL when it knows one, else the URL the visitor posted to.
    assert meta["page_url"] == case.get("page_url", f"{wordpress.url}/?form_bridge_standin={code}")
    [row] = queue_rows(wordpress)
    assert row["status"] == "sent" and row["remote_id"] == submission.id and row["form_id"] == case["form_id"]
    assert wordpress.plugin_errors() == []
