<?php
/**
 * Plugin Name:       Form-Bridge
 * Plugin URI:        https://github.com/form-bridge/form-bridge
 * Description:       Forwards every submission of Contact Form 7, Gravity Forms, WPForms, Elementor Pro forms, Ninja Forms, Fluent Forms and Formidable to Form-Bridge. Each one is queued in the site's database first and retried until Form-Bridge has it, so none is lost.
 * Version:           1.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            Form-Bridge
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       form-bridge
 * Domain Path:       /languages
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'FORM_BRIDGE_VERSION', '1.1.0' );
define( 'FORM_BRIDGE_FILE', __FILE__ );
define( 'FORM_BRIDGE_DIR', __DIR__ );

require_once __DIR__ . '/includes/class-form-bridge-settings.php';
require_once __DIR__ . '/includes/class-form-bridge-queue.php';
require_once __DIR__ . '/includes/class-form-bridge-files.php';
require_once __DIR__ . '/includes/class-form-bridge-client.php';
require_once __DIR__ . '/includes/class-form-bridge-sender.php';
require_once __DIR__ . '/includes/class-form-bridge-capture.php';
require_once __DIR__ . '/includes/class-form-bridge-integrations.php';
require_once __DIR__ . '/includes/class-form-bridge-admin.php';
require_once __DIR__ . '/includes/class-form-bridge-health.php';
require_once __DIR__ . '/includes/class-form-bridge-privacy.php';
require_once __DIR__ . '/includes/class-form-bridge-network.php';

register_activation_hook( __FILE__, array( 'Form_Bridge_Sender', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Form_Bridge_Sender', 'deactivate' ) );

add_filter( 'cron_schedules', array( 'Form_Bridge_Sender', 'cron_schedules' ) );
add_action( Form_Bridge_Sender::CRON_HOOK, array( 'Form_Bridge_Sender', 'run_cron' ) );
add_action( 'form_bridge_submit', array( 'Form_Bridge_Capture', 'custom_submit' ), 10, 4 );
add_action( 'plugins_loaded', array( 'Form_Bridge_Integrations', 'register' ), 20 );
add_action( 'init', array( 'Form_Bridge_Sender', 'ensure_scheduled' ) );
add_action( 'init', 'form_bridge_load_textdomain', 1 );
add_action( 'wp_initialize_site', array( 'Form_Bridge_Sender', 'initialize_site' ), 200 );
Form_Bridge_Health::register();
Form_Bridge_Privacy::register();

/**
 * Translations: wp-content/languages/plugins/form-bridge-{locale}.mo, else the plugin's languages/.
 */
function form_bridge_load_textdomain(): void {
	load_plugin_textdomain( 'form-bridge', false, dirname( plugin_basename( FORM_BRIDGE_FILE ) ) . '/languages' );
}

if ( is_admin() ) {
	Form_Bridge_Admin::register();
	if ( is_multisite() ) {
		Form_Bridge_Network::register();
	}
}
