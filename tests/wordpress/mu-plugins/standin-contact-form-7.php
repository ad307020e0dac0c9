<?php
/**
 * Stand-in for Contact Form 7 (test only; see standin-common.php). Shapes: WPCF7_ContactForm with
 * id() and title(); WPCF7_Submission::get_instance() with get_posted_data(), uploaded_files()
 * (field name => list of paths, CF7 5.4+) and get_meta( 'url' ). The hook:
 * do_action_ref_array( 'wpcf7_before_send_mail', array( $contact_form, &$abort, $submission ) ).
 * Like CF7, the uploaded file lives in a temporary folder that is removed when the request ends.
 */

define( 'WPCF7_VERSION', '5.9.8' );

class WPCF7_ContactForm {
	public function __construct( private int $id, private string $title ) {}
	public function id() { return $this->id; }
	public function title() { return $this->title; }
	public function name() { return sanitize_title( $this->title ); }
}

class WPCF7_Submission {
	private static $instance;
	public function __construct( private array $posted, private array $uploaded, private array $meta ) {
		self::$instance = $this;
	}
	public static function get_instance() { return self::$instance; }
	public function get_posted_data( $name = '' ) { return '' === $name ? $this->posted : ( $this->posted[ $name ] ?? null ); }
	public function uploaded_files() { return $this->uploaded; }
	public function get_meta( $name ) { return $this->meta[ $name ] ?? null; }
}

add_action(
	'init',
	function () {
		if ( ! fb_standin_requested( 'cf7' ) ) {
			return;
		}
		$posted = fb_standin_posted();
		// CF7 adds its own hidden fields, which are not the visitor's.
		$posted['_wpcf7']           = '123';
		$posted['_wpcf7_unit_tag']  = 'wpcf7-f123-p1-o1';
		$uploaded                   = array();
		$file                       = fb_standin_upload( 'wpcf7_uploads/' . wp_generate_password( 10, false ) );
		if ( $file ) {
			$uploaded['your-file'] = array( $file['path'] );
		}
		$form       = new WPCF7_ContactForm( 123, 'Contact' );
		$submission = new WPCF7_Submission( $posted, $uploaded, array( 'url' => 'https://shop.example/contact/' ) );
		$abort      = false;
		do_action_ref_array( 'wpcf7_before_send_mail', array( $form, &$abort, $submission ) );
		if ( $file ) { // CF7 removes its temporary uploads at the end of the request.
			unlink( $file['path'] );
			rmdir( dirname( $file['path'] ) );
		}
		fb_standin_done();
	},
	20
);
