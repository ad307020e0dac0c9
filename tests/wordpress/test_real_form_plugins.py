"""The plugin with real form plugins on a current WordPress: WordPress 6.5.5, Contact Form 7 5.9.8
and Formidable Forms 6.34, unmodified, from the shared fixtures (conftest.wordpress_fixtures()),
installed once for this module next to the Form-Bridge plugin. Each form is submitted the way
its own front end does it, and the submission is read back from Form-Bridge.

Formidable Lite has no file field (file uploads are in its Pro add-on), so its file capture
stays covered by the stand-in in test_wordpress_plugin.py, as are the plugins that cannot run
here (Gravity Forms, WPForms, Elementor Pro, Ninja Forms, Fluent Forms)."""
import hashlib
import html
import json
import re
import secrets
import urllib.parse

import pytest

from portal.selectors.submissions import SubmissionFilters, submission_list
from tests.wordpress.conftest import connect, create_database, running_wordpress, unpack_current_wordpress

CF7_TEMPLATE = """<label> Your name
    [text* your-name autocomplete:name] </label>

<label> Your email
    [email* your-email autocomplete:email] </label>

<label> Phone [tel phone-home] </label>
<label> Phone [tel phone-work] </label>

[checkbox topics "Design" "Hosting" "Care plan"]

<label> Brief
    [file your-file filetypes:txt|png limit:1mb] </label>

[submit "Send"]"""

VISITOR = {"User-Agent": "Mozilla/5.0 (real front end)"}


@pytest.fixture(scope="module")
def current_wordpress(mariadb, tmp_path_factory):
    database = create_database(mariadb, "wordpress_current")
    plugins = ["contact-form-7", "formidable"]
    with running_wordpress(mariadb=database, base=tmp_path_factory.mktemp("wordpress-current"),
                           lay_files=lambda root: unpack_current_wordpress(root, plugins),
                           activate=["contact-form-7/wp-contact-form-7.php", "formidable/formidable.php"],
                           mu_plugins=False) as site:
        # Contact Form 7 made "Contact form 1" on activation; its template gets our fields.
        site.cf7_form = site.php(
            "$form = WPCF7_ContactForm::find( array( 'posts_per_page' => 1 ) )[0];"
            "$props = $form->get_properties(); $props['form'] = json_decode( '"
            + json.dumps(CF7_TEMPLATE).replace("\\", "\\\\").replace("'", "\\'") + "' );"
            "$form->set_properties( $props ); $form->save();"
            "echo wp_json_encode( array( 'id' => $form->id(), 'title' => $form->title() ) );")
        # A Formidable form made with its PHP API, on a page of its own (its shortcode).
        site.frm_form = site.php(
            "FrmAppController::install();"  # its tables, as its first admin page view would
            "$form_id = FrmForm::create( array( 'name' => 'Project brief', 'description' => '', 'form_key' => 'brief',"
            " 'status' => 'published' ) );"
            "$ids = array();"
            "foreach ( array( array( 'text', 'Company', 'company', '' ), array( 'checkbox', 'Channels', 'channels', array( 'SEO', 'Ads', 'Email' ) ),"
            " array( 'textarea', 'Company', 'company_notes', '' ) ) as $i => $f ) {"
            " $ids[ $f[2] ] = FrmField::create( array( 'form_id' => $form_id, 'type' => $f[0], 'name' => $f[1], 'field_key' => $f[2],"
            " 'options' => $f[3], 'field_order' => $i + 1 ) ); }"
            "$page = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_title' => 'Brief',"
            " 'post_content' => '[formidable id=' . $form_id . ']' ) );"
            "echo wp_json_encode( array( 'id' => $form_id, 'page' => $page, 'fields' => $ids ) );")
        yield site


@pytest.fixture
def real_site(ddb, current_wordpress, formbridge):
    formbridge.start()
    return connect(current_wordpress, formbridge)


def stored(tenant):
    return submission_list(tenant=tenant, filters=SubmissionFilters(spam="all"), limit=100).items


def queue(wordpress):
    return wordpress.php("global $wpdb; echo wp_json_encode( $wpdb->get_results( 'SELECT id, uuid, status, remote_id, "
                         "last_error FROM ' . Form_Bridge_Queue::table() . ' ORDER BY id', ARRAY_A ) );")


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "----WebKitFormBoundary" + secrets.token_hex(8)
    chunks = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
              for name, value in fields]
    chunks += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
               f'Content-Type: {mime}\r\n\r\n'.encode() + content + b"\r\n" for name, filename, content, mime in files]
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post(wordpress, path: str, body: bytes, content_type: str, *, referer: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(wordpress.url + path, data=body, method="POST",
                                     headers={"Content-Type": content_type, "Referer": referer, **VISITOR})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_contact_form_7_rest_submission_arrives_with_labels_its_checkboxes_and_file(current_wordpress, real_site):
    wordpress, form = current_wordpress, current_wordpress.cf7_form
    brief = b"Quarterly care plan, please.\n" + bytes(range(256))
    unit_tag = f"wpcf7-f{form['id']}-o1"
    body, content_type = multipart(
        [("_wpcf7", str(form["id"])), ("_wpcf7_version", "5.9.8"), ("_wpcf7_locale", "en_US"),
         ("_wpcf7_unit_tag", unit_tag), ("_wpcf7_container_post", "0"),
         ("your-name", "Ada Lovelace"), ("your-email", "ada@example.com"), ("phone-home", "+44 20 7946 0000"),
         ("phone-work", "+44 20 7946 0999"), ("topics[]", "Design"), ("topics[]", "Care plan")],
        [("your-file", "care brief.txt", brief, "text/plain")])
    # The form's page posts to CF7's REST route (its JavaScript does); the page is the referrer.
    page_url = f"{wordpress.url}/?page_id=2"
    status, answer = post(wordpress, f"/?rest_route=/contact-form-7/v1/contact-forms/{form['id']}/feedback", body,
                          content_type, referer=page_url)
    assert status == 200, answer
    # No mail server here: CF7 says mail_failed, after its wpcf7_before_send_mail has run.
    assert json.loads(answer)["status"] in ("mail_sent", "mail_failed"), answer

    [submission] = stored(real_site["tenant"])
    assert submission.formId == f"cf7-{form['id']}-contact-form-1"
    # Labels from the <label> that wraps each tag; two "Phone" labels stay apart; no label: the tag.
    assert submission.fields == {"Your name": "Ada Lovelace", "Your email": "ada@example.com",
                                 "Phone": "+44 20 7946 0000", "Phone (2)": "+44 20 7946 0999",
                                 "topics": ["Design", "Care plan"]}
    meta = submission.meta
    assert json.loads(meta["field_keys"]) == {"Your name": "your-name", "Your email": "your-email",
                                              "Phone": "phone-home", "Phone (2)": "phone-work"}
    assert meta["form_plugin"] == "contact-form-7" and meta["form_plugin_version"] == "5.9.8"
    assert meta["page_url"] == page_url and meta["user_agent"] == VISITOR["User-Agent"]
    [file] = submission.files
    assert file.field == "Brief" and file.name == "care-brief.txt"
    assert file.size == len(brief) and file.sha256 == hashlib.sha256(brief).hexdigest()
    [row] = queue(wordpress)
    assert row["status"] == "sent" and row["remote_id"] == submission.id
    assert not (wordpress.uploads / "form-bridge" / row["uuid"]).exists()  # the copy went once accepted
    assert wordpress.plugin_errors() == []


def _form_inputs(page: str, form_id: int) -> list[tuple[str, str]]:
    """The hidden inputs of Formidable's rendered form, as a browser would post them."""
    match = re.search(r'<form[^>]*class="[^"]*frm-show-form[^>]*>(.*?)</form>', page, re.S)
    assert match and f'name="form_id" value="{form_id}"' in match.group(1), re.findall(r"<form[^>]*>", page)
    inputs = []
    for tag in re.findall(r"<input[^>]*>", match.group(1)):
        attributes = dict((name, html.unescape(value)) for name, value in re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
        if attributes.get("type") == "hidden" and attributes.get("name"):
            inputs.append((attributes["name"], attributes.get("value", "")))
    return inputs


def test_formidable_form_post_arrives_with_field_names_and_its_checkbox_group(current_wordpress, real_site):
    wordpress, form = current_wordpress, current_wordpress.frm_form
    status, page = wordpress.request(f"/?page_id={form['page']}")
    assert status == 200
    ids = form["fields"]
    visitor = [(f"item_meta[{ids['company']}]", "Analytical Engines Ltd"),
               (f"item_meta[{ids['channels']}][]", "SEO"), (f"item_meta[{ids['channels']}][]", "Email"),
               (f"item_meta[{ids['company_notes']}]", "Steam powered")]
    body = urllib.parse.urlencode(_form_inputs(page, form["id"]) + visitor).encode()
    status, answer = post(wordpress, f"/?page_id={form['page']}", body, "application/x-www-form-urlencoded",
                          referer=f"{wordpress.url}/?page_id={form['page']}")
    assert status == 200, answer[:500]

    [submission] = stored(real_site["tenant"])
    assert submission.formId == f"formidable-{form['id']}-project-brief"
    assert submission.fields == {"Company": "Analytical Engines Ltd", "Channels": ["SEO", "Email"],
                                 "Company (2)": "Steam powered"}
    assert json.loads(submission.meta["field_keys"]) == {"Company": "company", "Channels": "channels",
                                                         "Company (2)": "company_notes"}
    assert submission.meta["form_plugin"] == "formidable" and submission.meta["form_plugin_version"] == "6.34"
    assert submission.meta["page_url"] == f"{wordpress.url}/?page_id={form['page']}"
    [row] = queue(wordpress)
    assert row["status"] == "sent" and row["remote_id"] == submission.id
    assert wordpress.plugin_errors() == []
