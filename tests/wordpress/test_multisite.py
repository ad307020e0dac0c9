"""The plugin on a real multisite network (WordPress 6.5.5, subdirectories), installed once for
this module: network activation, each site's own settings, queue and key or the network's
defaults, and the network admin's page with every site's queue."""
import re

import pytest

from portal import dynamodb_local
from portal.selectors.submissions import SubmissionFilters, submission_list
from tests.wordpress.conftest import (ADMIN_PASSWORD, ADMIN_USER, AdminSession, create_database, running_wordpress,
                                      unpack_current_wordpress)


@pytest.fixture(scope="module")
def network(mariadb, tmp_path_factory):
    database = create_database(mariadb, "wordpress_network")
    with running_wordpress(mariadb=database, base=tmp_path_factory.mktemp("wordpress-network"),
                           lay_files=lambda root: unpack_current_wordpress(root, []), activate=[], mu_plugins=False,
                           title="Agency network", multisite=True) as site:
        host = site.url.removeprefix("http://")
        # Client A exists before the plugin is network-activated; client B is added afterwards.
        site.blogs = site.php(
            "require_once ABSPATH . 'wp-admin/includes/plugin.php';"
            "deactivate_plugins( 'form-bridge/form-bridge.php', false, true );"
            # WordPress drops the port from a new site's domain; this test network needs it.
            f"add_filter( 'wp_normalize_site_data', function ( $d ) {{ if ( isset( $d['domain'] ) ) {{ $d['domain'] = '{host}'; }} return $d; }}, 11 );"
            f"$a = wpmu_create_blog( '{host}', '/client-a/', 'Client A', 1 );"
            "$r = activate_plugin( 'form-bridge/form-bridge.php', '', true );"
            f"$b = wpmu_create_blog( '{host}', '/client-b/', 'Client B', 1 );"
            "echo wp_json_encode( array( 'a' => $a, 'b' => $b, 'activated' => null === $r ) );")
        yield site


def test_network_activation_per_site_keys_network_defaults_and_the_network_queue_page(network, ddb, formbridge):
    from tests.factories.accounts import make_tenant
    from tests.factories.ingest import make_key, make_site

    formbridge.start()
    blogs = network.blogs
    assert blogs["activated"] is True
    tables = network.php("global $wpdb; echo wp_json_encode( $wpdb->get_col( \"SHOW TABLES LIKE '%form_bridge_queue'\" ) );")
    assert sorted(tables) == sorted(["wp_form_bridge_queue", f"wp_{blogs['a']}_form_bridge_queue",
                                     f"wp_{blogs['b']}_form_bridge_queue"])

    tenant, _ = make_tenant(organization="Pixel & Pine Agency")
    network_site, client_a = make_site(tenant, domain="network.example"), make_site(tenant, domain="client-a.example")
    _, network_key = make_key(tenant, network_site)
    _, client_a_key = make_key(tenant, client_a)

    # The network admin sets the defaults on the network's page (a nonce-checked POST).
    admin = AdminSession(network, ADMIN_USER, ADMIN_PASSWORD)
    status, page = admin.open("/wp-admin/network/settings.php?page=form-bridge-network")
    assert status == 200, page[:300]
    nonce = re.search(r'name="_wpnonce" value="([0-9a-f]+)"', page).group(1)
    status, page = admin.open("/wp-admin/network/edit.php?action=form_bridge_network",
                              {"_wpnonce": nonce, "_wp_http_referer": "/wp-admin/network/settings.php?page=form-bridge-network",
                               "endpoint": formbridge.url, "api_key": network_key})
    assert status == 200 and "Network defaults saved." in page
    # Client A has its own key; Form-Bridge is unreachable from it for now, so its capture waits.
    closed = f"http://127.0.0.1:{dynamodb_local.free_port()}"
    network.php(f"switch_to_blog( {blogs['a']} ); Form_Bridge_Settings::save_endpoint( '{closed}' );"
                f"Form_Bridge_Settings::save_api_key( '{client_a_key}' ); restore_current_blog(); echo 1;")

    # A submission on each client site (captured in that site's context, as its own request would be).
    network.php(f"switch_to_blog( {blogs['a']} ); do_action( 'form_bridge_submit', 'contact', array( 'Email' => 'a@example.com' ) );"
                f"restore_current_blog(); switch_to_blog( {blogs['b']} );"
                "do_action( 'form_bridge_submit', 'contact', array( 'Email' => 'b@example.com' ) ); restore_current_blog(); echo 1;")
    # On a loaded machine Form-Bridge may answer after the 3 s the visitor waits: the row then waits
    # for WP-Cron, which sends it again under the same UUID (stored once). Do that now.
    network.php(f"switch_to_blog( {blogs['b']} ); global $wpdb; foreach ( $wpdb->get_col( 'SELECT id FROM ' ."
                " Form_Bridge_Queue::table() . \" WHERE status = 'pending'\" ) as $id ) { Form_Bridge_Queue::retry_now( (int) $id );"
                " Form_Bridge_Sender::send( (int) $id, 10 ); } restore_current_blog(); echo 1;")
    # Client B used the network's key: its submission belongs to the network's site in Form-Bridge.
    [from_b] = submission_list(tenant=tenant, filters=SubmissionFilters(spam="all"), limit=10).items
    assert from_b.fields == {"Email": "b@example.com"} and from_b.siteId == network_site.id

    # Client A's own key and endpoint: it waits in client A's queue only, then arrives under its own site.
    status, page = admin.open("/wp-admin/network/settings.php?page=form-bridge-network")
    rows = {int(site_id): re.findall(r"<td>(.*?)</td>", row)
            for site_id, row in re.findall(r'<tr data-site="(\d+)">(.*?)</tr>', page)}
    assert rows[1][1:] == ["network defaults", "0", "0", "0", "—"]
    assert rows[blogs["a"]][1:] == ["its own", "1", "0", "0", "0 min"]
    assert rows[blogs["b"]][1:] == ["network defaults", "0", "0", "1", "—"]
    links = re.findall(r'<tr data-site="\d+"><td><a href="([^"]+)"', page)
    assert f"{network.url}/client-a/wp-admin/options-general.php?page=form-bridge" in links, links

    network.php(f"switch_to_blog( {blogs['a']} ); Form_Bridge_Settings::save_endpoint( '{formbridge.url}' );"
                "global $wpdb; $id = (int) $wpdb->get_var( 'SELECT id FROM ' . Form_Bridge_Queue::table() );"
                "Form_Bridge_Queue::retry_now( $id ); Form_Bridge_Sender::send( $id, 10 ); restore_current_blog(); echo 1;")
    by_site = {s.siteId: s.fields for s in submission_list(tenant=tenant, filters=SubmissionFilters(spam="all"), limit=10).items}
    assert by_site == {network_site.id: {"Email": "b@example.com"}, client_a.id: {"Email": "a@example.com"}}

    # Someone who is not a network admin cannot change the defaults.
    network.php("if ( ! username_exists( 'siteadmin' ) ) { $u = wp_insert_user( array( 'user_login' => 'siteadmin',"
                " 'user_pass' => 'site-admin-password-1', 'role' => 'administrator', 'user_email' => 's@shop.example' ) ); } echo 1;")
    site_admin = AdminSession(network, "siteadmin", "site-admin-password-1")
    site_admin.open("/wp-admin/network/edit.php?action=form_bridge_network",
                                {"_wpnonce": nonce, "endpoint": "https://evil.example", "api_key": "fbk_x"})
    assert network.php("echo wp_json_encode( get_site_option( 'form_bridge_network_endpoint' ) );") == formbridge.url
    assert network.plugin_errors() == []
