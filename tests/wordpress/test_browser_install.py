"""Done means (issue 14), in a browser: a tenant downloads the plugin zip from the site's
quick-start page; a WordPress admin uploads it (Plugins → Add New → Upload Plugin), activates
it, pastes the key, and Test connection shows the site's domain."""
from urllib.parse import urlparse

import pytest

from tests.factories.accounts import PASSWORD
from tests.wordpress.conftest import ADMIN_PASSWORD, ADMIN_USER

pytestmark = pytest.mark.browser


def test_admin_installs_the_portal_zip_activates_pastes_the_key_and_tests_the_connection(
        browser, wordpress, connected_site, formbridge, monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # A site that never had the plugin: remove the copy the other tests use, with its data.
    wordpress.php("require_once ABSPATH . 'wp-admin/includes/plugin.php'; require_once ABSPATH . 'wp-admin/includes/file.php';"
                  "deactivate_plugins( 'form-bridge/form-bridge.php' );"
                  "$r = delete_plugins( array( 'form-bridge/form-bridge.php' ) ); echo wp_json_encode( true === $r );")
    assert not wordpress.plugin_dir.exists()
    # Deleting ran uninstall.php: the queue table, the options and the copies folder are gone.
    leftovers = wordpress.php("global $wpdb; echo wp_json_encode( array( $wpdb->get_var( \"SHOW TABLES LIKE '{$wpdb->prefix}form_bridge_queue'\" ),"
                              " get_option( 'form_bridge_api_key', null ), get_option( 'form_bridge_db_version', null ) ) );")
    assert leftovers == [None, None, None]
    assert not (wordpress.uploads / "form-bridge").exists()

    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{formbridge.url}/login/")
    page.fill("input[name=email]", connected_site["owner"].email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    page.goto(f"{formbridge.url}/sites/{connected_site['site'].id}/quick-start/")
    assert page.get_by_test_id("plugin-steps").locator("li").count() == 5
    with page.expect_download() as download_info:
        page.get_by_test_id("plugin-zip").click()
    download = download_info.value
    assert download.suggested_filename == "form-bridge.zip"
    zip_path = tmp_path / "form-bridge.zip"
    download.save_as(zip_path)

    page.goto(f"{wordpress.url}/wp-login.php")
    page.fill("#user_login", ADMIN_USER)
    page.fill("#user_pass", ADMIN_PASSWORD)
    page.click("#wp-submit")
    page.wait_for_url("**/wp-admin/**")
    page.goto(f"{wordpress.url}/wp-admin/plugin-install.php?tab=upload")
    page.set_input_files("#pluginzip", str(zip_path))
    page.click("#install-plugin-submit")
    page.get_by_text("Plugin installed successfully.").wait_for()
    page.click("text=Activate Plugin")
    page.get_by_text("Plugin activated.").wait_for()

    page.goto(f"{wordpress.url}/wp-admin/options-general.php?page=form-bridge")
    # The portal's zip already names this Form-Bridge; only the key is pasted.
    assert page.input_value("#form-bridge-endpoint") == formbridge.url
    page.fill("#form-bridge-api-key", connected_site["raw_key"])
    page.click("text=Save settings")
    page.get_by_text("Settings saved.").wait_for()
    assert page.input_value("#form-bridge-api-key") == ""  # never printed back
    page.click("text=Test connection")
    notice = page.locator("#form-bridge-notice").inner_text()
    assert "shop.example" in notice and "Pixel & Pine Agency" in notice
    context.close()

    # The installed plugin works: a Contact Form 7 submission arrives.
    status, _ = wordpress.request("/?form_bridge_standin=cf7", data={"your-name": "After install"})
    assert status == 200
    from tests.wordpress.test_capture import stored_submissions
    [submission] = stored_submissions(connected_site["tenant"])
    assert submission.fields == {"your-name": "After install"}
    assert not (wordpress.plugin_dir / "preconfigured.php").exists()  # imported once, then deleted
