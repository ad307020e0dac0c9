<?php
/**
 * Uninstall: removes the plugin's options, its queue table and its copied files.
 *
 * @package FormBridge
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

if ( ! defined( 'FORM_BRIDGE_DIR' ) ) {
	define( 'FORM_BRIDGE_DIR', __DIR__ );
}
require_once __DIR__ . '/includes/class-form-bridge-settings.php';
require_once __DIR__ . '/includes/class-form-bridge-files.php';
require_once __DIR__ . '/includes/class-form-bridge-queue.php';

/**
 * Removes one site's cron event, table, copies folder and options.
 */
function form_bridge_uninstall_site(): void {
	wp_clear_scheduled_hook( 'form_bridge_process_queue' );
	Form_Bridge_Queue::drop();
	Form_Bridge_Files::delete_folder();
	Form_Bridge_Settings::delete_all();
}

if ( is_multisite() ) { // Every site of a network has its own table and options.
	foreach ( get_sites(
		array(
			'fields' => 'ids',
			'number' => 0,
		)
	) as $form_bridge_site ) {
		switch_to_blog( (int) $form_bridge_site );
		form_bridge_uninstall_site();
		restore_current_blog();
	}
	Form_Bridge_Settings::delete_network();
} else {
	form_bridge_uninstall_site();
}
